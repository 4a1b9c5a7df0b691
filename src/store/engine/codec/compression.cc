#include "store/engine/codec/compression.h"

#include <fmt/format.h>
#include <zstd.h>
#include <memory>

namespace metrify::engine::codec {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

Status ZstdCompress(std::string_view input, int level, std::string* out) {
  ZSTD_CCtx* cctx = ThreadCCtx();
  if (cctx == nullptr) return Status::Internal("ZSTD_createCCtx failed");
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level))) {
    return Status::InvalidArgument(fmt::format("zstd refuses level {}", level));
  }
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
  out->resize(ZSTD_compressBound(input.size()));
  const size_t n = ZSTD_compress2(cctx, out->data(), out->size(), input.data(), input.size());
  if (ZSTD_isError(n)) {
    return Status::Internal(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)));
  }
  out->resize(n);
  return Status::Ok();
}

Status ZstdDecompress(std::string_view input, size_t raw_size, std::string* out) {
  ZSTD_DCtx* dctx = ThreadDCtx();
  if (dctx == nullptr) return Status::Internal("ZSTD_createDCtx failed");
  out->resize(raw_size);
  const size_t n = ZSTD_decompressDCtx(dctx, out->data(), out->size(), input.data(), input.size());
  if (ZSTD_isError(n)) {
    return Status::Corruption(fmt::format("zstd frame: {}", ZSTD_getErrorName(n)));
  }
  if (n != raw_size) {
    return Status::Corruption(
        fmt::format("zstd frame holds {} bytes, header says {}", n, raw_size));
  }
  return Status::Ok();
}

}  // namespace metrify::engine::codec
