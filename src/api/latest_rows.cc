#include "api/latest_rows.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <span>
#include <thread>

#include "common/time.h"
#include "model/series.h"

namespace metrify::api {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;

// One row's text, assembled in a buffer sized for the longest possible row.
// Fixed keys are copied with their length known at compile time; the
// generic writer's per-value bookkeeping and a library call per piece were
// most of the cost of a 100,000-row answer.
class RowText {
 public:
  explicit RowText(size_t capacity) : buffer_(capacity, '\0') { Clear(); }

  void Clear() { end_ = buffer_.data(); }
  template <size_t N>
  void Literal(const char (&text)[N]) {
    std::memcpy(end_, text, N - 1);
    end_ += N - 1;
  }
  void Text(std::string_view text) {
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
  }
  void Number(double value) { end_ = WriteJsonNumber(end_, value); }
  std::string_view view() const {
    return {buffer_.data(), static_cast<size_t>(end_ - buffer_.data())};
  }

 private:
  std::string buffer_;
  char* end_ = nullptr;
};

// Quoted keys with their separators (,"energy_kwh":), and the longest row
// they allow: 64-character id, 24-character timestamp, 11-digit interval,
// every field at kMaxJsonNumber characters.
struct FieldKeys {
  std::vector<std::string> keys;
  size_t max_row = 0;

  FieldKeys() {
    max_row = 128 + 64 + 24 + 11;
    for (const model::SeriesField& spec : model::SeriesFields(kReading)) {
      keys.push_back(",\"" + std::string(spec.name) + "\":");
      max_row += keys.back().size() + kMaxJsonNumber;
    }
  }
};

void WriteLatestRun(const store::SeriesStore& engine,
                    std::span<const std::pair<std::string, uint32_t>> meters, uint16_t fields,
                    LatestRows* out) {
  static const FieldKeys field_keys;
  JsonWriter& w = out->rows;
  w.Reserve(meters.size() * 112);  // about one row's bytes per meter
  w.BeginArray();
  RowText row(field_keys.max_row);
  char number[16];
  std::vector<uint32_t> keys;
  keys.reserve(meters.size());
  for (const auto& meter : meters) keys.push_back(meter.second);
  Result<std::vector<std::optional<engine::HeadSample>>> newest = engine.LatestMany(kReading, keys);
  if (!newest) {
    out->status = newest.status();
    return;
  }
  for (size_t m = 0; m < meters.size(); ++m) {
    const std::string& id = meters[m].first;
    const std::optional<engine::HeadSample>& latest = (*newest)[m];
    if (!latest) {
      out->missing.push_back(id);
      continue;
    }
    Rfc3339Buffer timestamp;
    row.Clear();
    row.Literal("{\"meter_id\":\"");
    row.Text(std::string_view(id).substr(0, 64));
    row.Literal("\",\"timestamp\":\"");
    row.Text(FormatRfc3339(latest->timestamp_ms, timestamp));
    row.Literal("\",\"interval_s\":");
    row.Text(std::string_view(
        number, std::to_chars(number, number + sizeof number, latest->interval_s).ptr - number));
    const uint16_t shown = latest->present & fields;
    for (size_t f = 0; f < field_keys.keys.size(); ++f) {
      if ((shown >> f) & 1u) {
        row.Text(field_keys.keys[f]);
        row.Number(latest->values[f]);
      }
    }
    row.Literal("}");
    w.Raw(row.view());
    ++out->count;
  }
}

}  // namespace

Result<std::vector<LatestRows>> WriteLatestRows(
    const store::SeriesStore& engine, const std::vector<std::pair<std::string, uint32_t>>& meters,
    uint16_t fields) {
  constexpr size_t kMinRun = 4096;  // below this a thread costs more than it saves
  const size_t runs = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                         std::max<size_t>(1, meters.size() / kMinRun));
  std::vector<LatestRows> pieces(runs);
  auto write = [&](size_t r) {
    const size_t begin = meters.size() * r / runs;
    const size_t end = meters.size() * (r + 1) / runs;
    WriteLatestRun(engine, std::span(meters).subspan(begin, end - begin), fields, &pieces[r]);
  };
  std::vector<std::thread> threads;
  for (size_t r = 1; r < runs; ++r) threads.emplace_back(write, r);
  write(0);
  for (auto& t : threads) t.join();
  for (const LatestRows& piece : pieces) METRIFY_RETURN_IF_ERROR(piece.status);
  return pieces;
}

}  // namespace metrify::api
