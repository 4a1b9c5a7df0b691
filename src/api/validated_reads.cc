#include "api/validated_reads.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <array>
#include <cstdio>

#include "api/responses.h"
#include "common/time.h"
#include "vee/meter_directory.h"
#include "vee/quality.h"

namespace metrify::api {

namespace {

// The meter's installation day's start in its zone; INT64_MIN when not
// given (or not a date: the registry checks the form, not the calendar).
int64_t InstalledFrom(const model::Meter& meter) {
  if (meter.installation_date.empty()) return INT64_MIN;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(meter.installation_date.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return INT64_MIN;
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return INT64_MIN;
  try {
    const date::zoned_time zoned(meter.timezone, date::local_days{ymd});
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               zoned.get_sys_time().time_since_epoch())
        .count();
  } catch (const std::exception&) {
    return INT64_MIN;
  }
}

std::vector<std::string_view> FiredNames(uint32_t fired) {
  std::vector<std::string_view> names;
  for (int r = 1; r < 32; ++r) {
    if ((fired >> r) & 1u) names.push_back(vee::RuleName(static_cast<vee::RuleId>(r)));
  }
  return names;
}

std::string_view DecidedBy(const vee::ValidatedInterval& row) {
  return row.rule == vee::RuleId::kNone ? std::string_view() : vee::RuleName(row.rule);
}

// Counts of a bucket's intervals by status.
using StatusCounts = std::array<uint32_t, vee::kValueStatuses>;

std::vector<StatusCounts> CountByBucket(std::span<const vee::ValidatedPoint> points,
                                        std::span<const int64_t> edges) {
  std::vector<StatusCounts> counts(edges.size() > 1 ? edges.size() - 1 : 0, StatusCounts{});
  for (const vee::ValidatedPoint& p : points) {
    // An interval belongs to the bucket its end closes (aggregate.h).
    auto it = std::lower_bound(edges.begin(), edges.end(), p.point.timestamp_ms);
    if (it == edges.begin() || it == edges.end()) continue;
    ++counts[static_cast<size_t>(it - edges.begin() - 1)][static_cast<int>(p.row.status)];
  }
  return counts;
}

}  // namespace

Result<std::vector<vee::ValidatedPoint>> ReadValidatedMeter(SeriesBackend& backend,
                                                            const model::Meter& meter, uint32_t key,
                                                            int64_t start_ms, int64_t end_ms) {
  return ReadValidatedMeter(backend.store, backend.rules, backend.edits, meter, key, start_ms,
                            end_ms);
}

Result<std::vector<vee::ValidatedPoint>> ReadValidatedMeter(store::SeriesStore& store,
                                                            const vee::RulesConfig* rules,
                                                            const vee::EditLog* edits,
                                                            const model::Meter& meter, uint32_t key,
                                                            int64_t start_ms, int64_t end_ms) {
  const vee::MeterInfo info = vee::MeterInfoOf(meter);
  vee::ValidatedReadOptions options;
  options.now_ms = NowMillis();
  options.missing_from_ms = InstalledFrom(meter);
  if (rules) options.due_after_hours = rules->For(info.type, info.id).due_after_hours;
  std::map<int64_t, vee::Edit> in_force;
  if (edits) {
    in_force = edits->InForce(key, start_ms, end_ms);
    options.edits = &in_force;
  }
  std::vector<vee::ValidatedPoint> points;
  METRIFY_RETURN_IF_ERROR(vee::ReadValidated(store, key, info, start_ms, end_ms, options, &points));
  return points;
}

void WriteVerdict(JsonWriter& w, const vee::ValidatedPoint& p) {
  w.Key("status").String(vee::ValueStatusName(p.row.status));
  const std::string_view decided = DecidedBy(p.row);
  if (!decided.empty()) {
    w.Key(p.row.status == vee::ValueStatus::kEstimated ? "method" : "rule").String(decided);
  }
  if (const std::vector<std::string_view> fired = FiredNames(p.row.fired); !fired.empty()) {
    w.Key("fired").BeginArray();
    for (std::string_view name : fired) w.String(name);
    w.EndArray();
  }
  w.Key("quality").Number(RoundForDisplay(p.row.quality));
  w.Key("tier").String(vee::QualityTier(p.row.quality));
}

http::HttpResponse ValidatedRawResponse(const SeriesSubject& subject, const SeriesParams& params,
                                        std::span<const vee::ValidatedPoint> points) {
  std::vector<query::Point> values;
  values.reserve(points.size());
  for (const vee::ValidatedPoint& p : points) values.push_back(p.point);
  ExtraColumns extra;
  extra.csv_names = {"status", "rule", "quality", "tier"};
  extra.json = [&](size_t i, JsonWriter& w) { WriteVerdict(w, points[i]); };
  extra.csv = [&](size_t i, std::string& out) {
    const vee::ValidatedInterval& row = points[i].row;
    fmt::format_to(std::back_inserter(out), ",{},{},{},{}", vee::ValueStatusName(row.status),
                   DecidedBy(row), RoundForDisplay(row.quality), vee::QualityTier(row.quality));
  };
  return RawResponse(subject, params, values, &extra);
}

http::HttpResponse ValidatedBucketResponse(const SeriesSubject& subject, SeriesParams& params,
                                           std::span<const vee::ValidatedPoint> points,
                                           std::span<const int64_t> edges) {
  // MISSING intervals carry nothing: they count as missing in the shares,
  // not as samples.
  std::vector<query::Point> values;
  values.reserve(points.size());
  for (const vee::ValidatedPoint& p : points) {
    if (p.row.status != vee::ValueStatus::kMissing) values.push_back(p.point);
  }
  NarrowToPresent(values, &params);
  const std::vector<query::BucketValue> buckets = Bucketize(subject.kind, params, values, edges);
  const std::vector<StatusCounts> counts = CountByBucket(points, edges);
  // Shares of the bucket's expected intervals; intervals nothing was stored
  // for (before VEE marked them) are missing too.
  auto shares = [&](size_t i) {
    std::array<double, vee::kValueStatuses> out{};
    const double expected = buckets[i].expected;
    if (expected <= 0) return out;
    uint32_t known = 0;
    for (int s = 0; s < vee::kValueStatuses; ++s) {
      if (s != static_cast<int>(vee::ValueStatus::kMissing)) known += counts[i][s];
    }
    for (int s = 0; s < vee::kValueStatuses; ++s) out[s] = counts[i][s] / expected;
    out[static_cast<int>(vee::ValueStatus::kMissing)] = std::max(0.0, expected - known) / expected;
    return out;
  };
  static constexpr std::array<std::string_view, vee::kValueStatuses> kShareNames = {
      "measured", "estimated", "edited", "invalid", "missing"};
  ExtraColumns extra;
  for (std::string_view name : kShareNames) extra.csv_names.push_back(name);
  extra.json = [&](size_t i, JsonWriter& w) {
    const auto share = shares(i);
    w.Key("shares").BeginObject();
    for (int s = 0; s < vee::kValueStatuses; ++s) {
      w.Key(kShareNames[s]).Number(RoundForDisplay(share[s]));
    }
    w.EndObject();
  };
  extra.csv = [&](size_t i, std::string& out) {
    const auto share = shares(i);
    for (double v : share) fmt::format_to(std::back_inserter(out), ",{}", RoundForDisplay(v));
  };
  return BucketResponse(subject, params, buckets, &extra);
}

}  // namespace metrify::api
