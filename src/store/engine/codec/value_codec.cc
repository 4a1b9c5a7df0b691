#include "store/engine/codec/value_codec.h"

#include <fmt/format.h>
#include <bit>
#include <cstdint>

#include "store/engine/codec/fixed_width.h"
#include "store/engine/codec/gorilla_codec.h"
#include "store/engine/codec/scaled_int_codec.h"

namespace metrify::engine::codec {
namespace {

bool AllSameBits(std::span<const double> values) {
  const uint64_t first = std::bit_cast<uint64_t>(values[0]);
  for (double v : values) {
    if (std::bit_cast<uint64_t>(v) != first) return false;
  }
  return true;
}

void EncodePlain(std::span<const double> values, std::string* dst) {
  dst->reserve(dst->size() + values.size() * 8);
  for (double v : values) PutDouble(dst, v);
}

Status DecodePlain(std::string_view payload, size_t count, std::vector<double>* out) {
  if (payload.size() / 8 != count || payload.size() % 8 != 0) {
    return Status::Corruption(
        fmt::format("plain payload of {} bytes for {} values", payload.size(), count));
  }
  for (size_t i = 0; i < count; ++i) out->push_back(DecodeDouble(payload.data() + 8 * i));
  return Status::Ok();
}

Status DecodeConstant(std::string_view payload, size_t count, std::vector<double>* out) {
  if (payload.size() != 8) return Status::Corruption("constant payload is not 8 bytes");
  out->insert(out->end(), count, DecodeDouble(payload.data()));
  return Status::Ok();
}

}  // namespace

Codec EncodeValues(std::span<const double> values, std::string* dst) {
  if (values.empty()) return Codec::kPlain;
  // Candidates in preference order; a later one must be strictly smaller.
  std::string best, candidate;
  Codec best_codec = Codec::kPlain;
  bool have_best = false;
  const auto offer = [&](Codec codec) {
    if (!have_best || candidate.size() < best.size()) {
      best.swap(candidate);
      best_codec = codec;
      have_best = true;
    }
    candidate.clear();
  };
  if (AllSameBits(values)) {
    PutDouble(&candidate, values[0]);
    offer(Codec::kConstant);
  }
  int scale = 0;
  std::vector<int64_t> ints;
  if (ToScaledInts(values, &scale, &ints)) {
    EncodeScaledInts(ints, scale, &candidate);
    offer(Codec::kScaledInt);
  }
  // Skip Gorilla when even its smallest possible output cannot win.
  if (!have_best || best.size() > GorillaSizeLowerBound(values)) {
    EncodeGorilla(values, &candidate);
    offer(Codec::kGorilla);
  }
  if (best.size() > values.size() * 8) {
    EncodePlain(values, dst);
    return Codec::kPlain;
  }
  dst->append(best);
  return best_codec;
}

Status EncodeValuesWith(Codec codec, std::span<const double> values, std::string* dst) {
  if (values.empty() && codec != Codec::kPlain) {
    return Status::InvalidArgument("an empty block is written as kPlain");
  }
  int scale = 0;
  std::vector<int64_t> ints;
  switch (codec) {
    case Codec::kConstant:
      if (!AllSameBits(values)) return Status::InvalidArgument("values differ; not constant");
      PutDouble(dst, values[0]);
      return Status::Ok();
    case Codec::kScaledInt:
      if (!ToScaledInts(values, &scale, &ints)) {
        return Status::InvalidArgument("values are not short decimals");
      }
      EncodeScaledInts(ints, scale, dst);
      return Status::Ok();
    case Codec::kGorilla:
      EncodeGorilla(values, dst);
      return Status::Ok();
    case Codec::kPlain:
      EncodePlain(values, dst);
      return Status::Ok();
    default:
      return Status::InvalidArgument(
          fmt::format("codec {} is not a value codec", static_cast<int>(codec)));
  }
}

Status DecodeValues(Codec codec, std::string_view payload, size_t count, std::vector<double>* out) {
  if (count == 0) {
    return payload.empty() ? Status::Ok() : Status::Corruption("bytes in an empty value block");
  }
  switch (codec) {
    case Codec::kConstant:
      return DecodeConstant(payload, count, out);
    case Codec::kScaledInt:
      return DecodeScaledInts(payload, count, out);
    case Codec::kGorilla:
      return DecodeGorilla(payload, count, out);
    case Codec::kPlain:
      return DecodePlain(payload, count, out);
    default:
      return Status::Corruption(
          fmt::format("codec {} is not a value codec", static_cast<int>(codec)));
  }
}

}  // namespace metrify::engine::codec
