#include "reference/embedded.h"

#include <zstd.h>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace metrify::reference {
namespace {

struct DStreamDeleter {
  void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
};

[[noreturn]] void Die(std::string_view what, const char* why) {
  std::fprintf(stderr, "embedded reference data %.*s: %s\n", static_cast<int>(what.size()),
               what.data(), why);
  std::abort();
}

}  // namespace

// libarchive writes the frame without its decompressed size, so the output
// grows as the stream produces it rather than being sized up front.
std::string Inflate(std::string_view frame, std::string_view what) {
  std::unique_ptr<ZSTD_DStream, DStreamDeleter> stream(ZSTD_createDStream());
  if (!stream) Die(what, "ZSTD_createDStream failed");
  std::string out;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  size_t pending = 1;  // 0 once a whole frame has been decoded and flushed
  while (pending != 0) {
    const size_t used = out.size();
    out.resize(used + ZSTD_DStreamOutSize());
    ZSTD_outBuffer buffer{out.data() + used, out.size() - used, 0};
    pending = ZSTD_decompressStream(stream.get(), &buffer, &in);
    if (ZSTD_isError(pending)) Die(what, ZSTD_getErrorName(pending));
    out.resize(used + buffer.pos);
    if (pending != 0 && in.pos == in.size && buffer.pos == 0) Die(what, "truncated frame");
  }
  return out;
}

}  // namespace metrify::reference
