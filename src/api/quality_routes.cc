// Quality reports (series_routes.h; docs/quality.md), computed from the
// validated view when asked, so late data and edits show at once; in
// scaled mode from the days `metrify worker process` stored where they
// answer exactly the same (vee/quality_days.h):
//   GET /api/v1/quality/meters/{id}  one meter, per local day, with a total
//   GET /api/v1/quality/summary      many meters, per group
#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

#include "api/responses.h"
#include "api/series_output.h"
#include "api/series_routes.h"
#include "api/validated_reads.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "parse/timestamp.h"
#include "vee/meter_directory.h"
#include "vee/quality.h"
#include "vee/quality_days.h"
#include "vee/quality_report.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;
constexpr auto kReading = model::SeriesKind::kReading;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kDefaultDays = 7;
// Longest ranges, in local days: one meter a year; the fleet a quarter
// (its cost grows with meters x days).
constexpr int64_t kMaxMeterDays = 366;
constexpr int64_t kMaxSummaryDays = 92;

// ---- Parameters ----

// One end of the range: a local date (the same calendar day in every
// meter's zone) or an instant (the local day it falls in).
struct Bound {
  std::optional<int64_t> date;  // days since 1970-01-01
  std::optional<int64_t> instant_ms;
  bool given() const { return date || instant_ms; }
};

struct QualityParams {
  Bound start, end;
  vee::QualityThresholds min;
  std::string group_by = "none";
};

Bound ReadBound(const HttpRequest& request, std::string_view name,
                std::vector<StatusDetail>* errors) {
  Bound bound;
  const auto text = request.QueryParam(name);
  if (!text) return bound;
  if (std::optional<int64_t> date = ParseCivilDate(*text)) {
    bound.date = date;
  } else if (std::optional<int64_t> ms = parse::ParseTimestamp(*text)) {
    bound.instant_ms = ms;
  } else {
    errors->push_back({std::string(name), "invalid_date",
                       fmt::format("{} must be a date (YYYY-MM-DD, a local day of each meter) or "
                                   "an instant (RFC 3339 with an offset, or epoch milliseconds), "
                                   "got \"{}\"",
                                   name, *text)});
  }
  return bound;
}

void ReadThreshold(const HttpRequest& request, std::string_view name, double* out,
                   std::vector<StatusDetail>* errors) {
  const auto text = request.QueryParam(name);
  if (!text) return;
  const std::optional<double> v = ParseDouble(Trim(*text));
  if (!v || !(*v >= 0 && *v <= 1)) {
    errors->push_back({std::string(name), "invalid_value",
                       fmt::format("{} must be a number from 0 to 1, got \"{}\"", name, *text)});
    return;
  }
  *out = *v;
}

// The local days [first, end) of a range, in the zone `clock` is for.
struct DaySpan {
  int64_t first = 0, end = 0;
};

int64_t StartDay(const Bound& b, vee::LocalClock& clock) {
  return b.date ? *b.date : clock.At(*b.instant_ms).day;
}
// An end is exclusive: an instant ends the day it falls in if it is that
// day's midnight, else the day after.
int64_t EndDay(const Bound& b, vee::LocalClock& clock) {
  return b.date ? *b.date : clock.At(*b.instant_ms - 1).day + 1;
}

// Without start and end: the seven local days before today; one of them
// alone makes a week from it. A date and an instant that are a few hours
// apart may leave no day in some zone: an empty span, not a reversed one.
DaySpan Resolve(const QualityParams& p, vee::LocalClock& clock, int64_t now_ms) {
  if (p.start.given() && p.end.given()) {
    const int64_t first = StartDay(p.start, clock);
    return {first, std::max(first, EndDay(p.end, clock))};
  }
  if (p.start.given()) {
    const int64_t first = StartDay(p.start, clock);
    return {first, first + kDefaultDays};
  }
  const int64_t end = p.end.given() ? EndDay(p.end, clock) : clock.At(now_ms).day;
  return {end - kDefaultDays, end};
}

// The range's length in days, as UTC resolves it (zones move it by a day
// at most): for the checks of the parameters.
void CheckSpan(const QualityParams& p, int64_t max_days, std::vector<StatusDetail>* errors) {
  if (!p.start.given() || !p.end.given()) return;
  const int64_t first = p.start.date ? *p.start.date : FloorDiv(*p.start.instant_ms, kDayMs);
  const int64_t end = p.end.date ? *p.end.date : FloorDiv(*p.end.instant_ms - 1, kDayMs) + 1;
  const bool instants = p.start.instant_ms && p.end.instant_ms;
  if (end <= first || (instants && *p.end.instant_ms <= *p.start.instant_ms)) {
    errors->push_back({"end", "invalid_range", "end must be after start"});
  } else if (end - first > max_days) {
    errors->push_back(
        {"end", "range_too_long",
         fmt::format("the range spans {} days; at most {} are reported", end - first, max_days)});
  }
}

Result<QualityParams> ReadQualityParams(const HttpRequest& request, bool fleet) {
  std::vector<StatusDetail> errors;
  std::vector<std::string_view> known = {"start", "end", "min_completeness", "min_validity",
                                         "min_quality"};
  if (fleet) known.insert(known.end(), {"group_by", "meter_ids"});
  for (const auto& [name, value] : request.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      errors.push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
    }
  }
  QualityParams p;
  p.start = ReadBound(request, "start", &errors);
  p.end = ReadBound(request, "end", &errors);
  CheckSpan(p, fleet ? kMaxSummaryDays : kMaxMeterDays, &errors);
  ReadThreshold(request, "min_completeness", &p.min.min_completeness, &errors);
  ReadThreshold(request, "min_validity", &p.min.min_validity, &errors);
  ReadThreshold(request, "min_quality", &p.min.min_quality, &errors);
  if (fleet) {
    p.group_by = std::string(request.QueryParam("group_by").value_or("none"));
    static constexpr std::string_view kGroupings[] = {"none", "operator", "city", "segment",
                                                      "meter"};
    if (std::find(std::begin(kGroupings), std::end(kGroupings), p.group_by) ==
        std::end(kGroupings)) {
      errors.push_back({"group_by", "invalid_choice",
                        fmt::format("group_by must be none, operator, city, segment or meter, got "
                                    "\"{}\"",
                                    p.group_by)});
    }
  }
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return p;
}

// ---- One meter ----

struct MeterReport {
  DaySpan span;
  int64_t start_ms = 0, end_ms = 0;  // UTC bounds of the span
  std::vector<vee::DayQuality> days;
};

vee::RuleSet RulesOf(const SeriesBackend& backend, const vee::MeterInfo& info) {
  const vee::RulesConfig& config = backend.rules ? *backend.rules : vee::RulesConfig::Defaults();
  return config.For(info.type, info.id);
}

// What a meter's report is computed with, before anything is read.
struct MeterPlan {
  vee::MeterInfo info;
  vee::RuleSet rules;
  vee::LocalClock clock;
  DaySpan span;
  uint64_t inputs = 0;  // for stored days (vee::QualityInputsOf)
};

Result<MeterPlan> PlanMeter(SeriesBackend& backend, const model::Meter& meter,
                            const QualityParams& params, int64_t now_ms) {
  vee::MeterInfo info = vee::MeterInfoOf(meter);
  vee::RuleSet rules = RulesOf(backend, info);
  METRIFY_ASSIGN_OR_RETURN(vee::LocalClock clock, vee::LocalClock::For(info.timezone));
  const DaySpan span = Resolve(params, clock, now_ms);
  const uint64_t inputs = vee::QualityInputsOf(meter, rules);
  return MeterPlan{std::move(info), std::move(rules), clock, span, inputs};
}

MeterReport Bounds(MeterPlan& plan) {
  MeterReport report;
  report.span = plan.span;
  report.start_ms = plan.clock.DayStartUtc(plan.span.first);
  report.end_ms = plan.clock.DayStartUtc(plan.span.end);
  return report;
}

Result<MeterReport> ReportMeter(SeriesBackend& backend, const model::Meter& meter, uint32_t key,
                                MeterPlan& plan, int64_t now_ms) {
  MeterReport report = Bounds(plan);
  const vee::ReportWindow window =
      vee::WindowFor(plan.clock, report.span.first, report.span.end, plan.rules);
  METRIFY_ASSIGN_OR_RETURN(std::vector<vee::ValidatedPoint> points,
                           ReadValidatedMeter(backend, meter, key, window.start_ms, window.end_ms));
  vee::DayReportOptions options;
  options.now_ms = now_ms;
  options.interval_s = plan.info.interval_s;
  options.due_after_hours = plan.rules.due_after_hours;
  options.rules = &plan.rules;
  report.days =
      vee::BuildDayReports(points, plan.clock, report.span.first, report.span.end, options);
  return report;
}

// ---- Stored days (scaled mode) ----

// Reads in chunks: one statement each, its arrays a few hundred kB at most.
constexpr size_t kStoredChunk = 1000;

vee::StoredDaysQuery QueryOf(MeterPlan& plan, uint32_t key) {
  return vee::StoredDaysQueryFor(key, plan.clock, plan.span.first, plan.span.end, plan.rules,
                                 plan.info.interval_s);
}

// The report of the meter from `stored` when they answer exactly as
// computing them would (vee::StoredDaysAnswer), else nullopt.
std::optional<MeterReport> FromStored(MeterPlan& plan, std::vector<vee::StoredQualityDay>& stored,
                                      int64_t now_ms) {
  if (!vee::StoredDaysAnswer(stored, plan.clock, plan.span.first, plan.span.end, plan.inputs,
                             plan.rules, now_ms)) {
    return std::nullopt;
  }
  MeterReport report = Bounds(plan);
  report.days.reserve(stored.size());
  for (vee::StoredQualityDay& s : stored) report.days.push_back(std::move(s.day));
  return report;
}

// ---- JSON ----

std::string DateText(int64_t day) {
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

void Figure(JsonWriter& w, std::string_view key, double v) {
  w.Key(key).Number(RoundForDisplay(v));  // NaN: null
}

// Rule names with counts: validation rules (ids below 32) or estimation methods.
void RuleCounts(JsonWriter& w, std::string_view key, const vee::QualityTally& t, bool methods) {
  w.Key(key).BeginObject();
  for (size_t r = 1; r < t.rules.size(); ++r) {
    const auto rule = static_cast<vee::RuleId>(r);
    if (t.rules[r] == 0 || vee::IsEstimationMethod(rule) != methods) continue;
    w.Key(vee::RuleName(rule)).Int(t.rules[r]);
  }
  w.EndObject();
}

void WriteTally(JsonWriter& w, const vee::QualityTally& t) {
  static constexpr std::string_view kNames[vee::kValueStatuses] = {"measured", "estimated",
                                                                   "edited", "invalid", "missing"};
  w.Key("expected").Int(t.expected);
  for (int s = 0; s < vee::kValueStatuses; ++s) w.Key(kNames[s]).Int(t.counts[s]);
  w.Key("shares").BeginObject();
  for (int s = 0; s < vee::kValueStatuses; ++s) {
    Figure(w, kNames[s], t.Share(static_cast<vee::ValueStatus>(s)));
  }
  w.EndObject();
  Figure(w, "completeness", t.Completeness());
  Figure(w, "validity", t.Validity());
  Figure(w, "timeliness", t.Timeliness());
  w.Key("late").Int(t.late);
  Figure(w, "quality", t.Quality());
  w.Key("tier").String(vee::QualityTier(t.Quality()));
  Figure(w, "energy_kwh", t.energy_intervals == 0 ? NAN : t.energy_kwh);
  RuleCounts(w, "rules_fired", t, false);
  RuleCounts(w, "methods", t, true);
}

void WriteBelow(JsonWriter& w, const vee::QualityTally& t, const vee::QualityThresholds& min) {
  w.Key("below").BeginArray();
  for (std::string_view figure : vee::Below(t, min)) w.String(figure);
  w.EndArray();
}

void WriteThresholds(JsonWriter& w, const vee::QualityThresholds& min) {
  w.Key("thresholds").BeginObject();
  w.Key("min_completeness").Number(min.min_completeness);
  w.Key("min_validity").Number(min.min_validity);
  w.Key("min_quality").Number(min.min_quality);
  w.EndObject();
}

void WriteDaily(JsonWriter& w, const vee::DailyCheck& c) {
  w.Key("daily").BeginObject();
  w.Key("result").String(vee::DailyResultName(c.result));
  if (c.reason != vee::NotJudgedReason::kNone) {
    w.Key("reason").String(vee::NotJudgedReasonName(c.reason));
  }
  Figure(w, "usual_kwh", c.usual_kwh);
  w.Key("history_days").Int(c.history_days);
  Figure(w, "ratio", c.ratio);
  w.EndObject();
}

void WriteDay(JsonWriter& w, const vee::DayQuality& d, const vee::QualityThresholds& min) {
  w.BeginObject();
  w.Key("date").String(DateText(d.day));
  w.Key("start").String(FormatRfc3339(d.start_ms));
  w.Key("end").String(FormatRfc3339(d.end_ms));
  w.Key("intervals").Int(d.intervals);
  WriteTally(w, d.tally);
  w.Key("complete").Bool(d.Complete());
  WriteDaily(w, d.daily);
  WriteBelow(w, d.tally, min);
  w.EndObject();
}

// The day counts of a range: a meter's total, or a group's.
void WriteRange(JsonWriter& w, const vee::RangeQuality& r, std::string_view days_key) {
  w.Key(days_key).Int(r.days);
  w.Key("days_complete").Int(r.days_complete);
  w.Key("days_judged").Int(r.days_judged);
  w.Key("days_high").Int(r.days_high);
  w.Key("days_low").Int(r.days_low);
  w.Key("days_below").Int(r.days_below);
  WriteTally(w, r.tally);
}

HttpResponse MeterAnswer(const model::Meter& meter, const MeterReport& report,
                         const QualityParams& params) {
  JsonWriter w;
  w.BeginObject();
  w.Key("meter_id").String(meter.id);
  w.Key("timezone").String(meter.timezone);
  w.Key("first_day").String(DateText(report.span.first));
  w.Key("last_day").String(DateText(report.span.end - 1));
  w.Key("start").String(FormatRfc3339(report.start_ms));
  w.Key("end").String(FormatRfc3339(report.end_ms));
  WriteThresholds(w, params.min);
  w.Key("days").BeginArray();
  for (const vee::DayQuality& d : report.days) WriteDay(w, d, params.min);
  w.EndArray();
  const vee::RangeQuality total = vee::Summarize(report.days, params.min);
  w.Key("total").BeginObject();
  WriteRange(w, total, "days");
  WriteBelow(w, total.tally, params.min);
  w.EndObject();
  w.EndObject();
  return JsonResponse(200, w.Take());
}

HttpResponse MeterQuality(SeriesBackend& backend, HttpRequest& request, const PathParams& path) {
  const std::string& id = path.Get("id");
  Result<model::Meter> meter = backend.registry.Get<model::Meter>(id);
  if (!meter) return ErrorFromStatus(meter.error());
  Result<std::optional<uint32_t>> key = backend.keys.Find(kReading, id);
  if (!key) return ErrorFromStatus(key.error());
  if (!*key) return ErrorFromStatus(Status::NotFound(fmt::format("meter \"{}\" not found", id)));
  Result<QualityParams> params = ReadQualityParams(request, false);
  if (!params) return ErrorFromStatus(params.error());
  const int64_t now = NowMillis();
  Result<MeterPlan> plan = PlanMeter(backend, *meter, *params, now);
  if (!plan) return ErrorFromStatus(plan.error());
  if (backend.quality_days) {
    const vee::StoredDaysQuery query = QueryOf(*plan, **key);
    auto stored = backend.quality_days->Read(std::span(&query, 1));
    if (stored) {
      if (std::optional<MeterReport> report = FromStored(*plan, stored->at(0), now)) {
        return MeterAnswer(*meter, *report, *params);
      }
    }
  }
  Result<MeterReport> report = ReportMeter(backend, *meter, **key, *plan, now);
  if (!report) return ErrorFromStatus(report.error());
  return MeterAnswer(*meter, *report, *params);
}

// ---- The fleet ----

struct FleetMeter {
  std::string id;
  uint32_t key = 0;
  const model::Meter* meter = nullptr;  // null: deleted since the key was listed
};

// A meter's result in a summary.
struct MeterRange {
  vee::RangeQuality range;
  DaySpan span;
  int64_t start_ms = 0, end_ms = 0;
};

// The meters a summary covers: meter_ids=a,b,c (unknown ids listed
// apart), or every registered meter; with their registry entries.
struct Fleet {
  std::vector<FleetMeter> meters;
  std::vector<std::string> unknown;
  std::unordered_map<std::string, model::Meter> entries;
};

Status ListEntries(registry::Registry& registry, Fleet* fleet) {
  store::ListQuery query;
  query.page_size = 1000;
  for (query.page = 1;; ++query.page) {
    METRIFY_ASSIGN_OR_RETURN(store::Page<model::Meter> page, registry.List<model::Meter>(query));
    for (model::Meter& m : page.items) fleet->entries.emplace(m.id, std::move(m));
    if (page.items.empty() || query.page * query.page_size >= page.total_count) break;
  }
  return Status::Ok();
}

Result<Fleet> ResolveFleet(SeriesBackend& backend, const HttpRequest& request) {
  Fleet fleet;
  const auto list = request.QueryParam("meter_ids");
  if (!list) {
    METRIFY_RETURN_IF_ERROR(ListEntries(backend.registry, &fleet));
    for (const auto& [id, key] : *backend.keys.All(kReading)) fleet.meters.push_back({id, key});
  } else {
    for (std::string_view piece : Split(*list, ',')) {
      const std::string id(Trim(piece));
      if (id.empty() || fleet.entries.count(id)) continue;
      METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key, backend.keys.Find(kReading, id));
      Result<model::Meter> meter = backend.registry.Get<model::Meter>(id);
      if (!meter && meter.error().code() != StatusCode::kNotFound) return meter.error();
      if (!key || !meter) {
        fleet.unknown.push_back(id);
        continue;
      }
      fleet.meters.push_back({id, *key});
      fleet.entries.emplace(id, std::move(*meter));
    }
  }
  for (FleetMeter& m : fleet.meters) {
    auto it = fleet.entries.find(m.id);
    if (it != fleet.entries.end()) m.meter = &it->second;
  }
  return fleet;
}

// A summary reads every meter's validated days and their history, which
// decodes its blocks: CPU-bound, so split over the cores.
constexpr size_t kMetersPerThread = 64;

// The meters whose stored days answer (scaled mode): their ranges in *out,
// done[i] set. A failed read leaves the meters to be computed.
void FleetFromStored(SeriesBackend& backend, const Fleet& fleet, std::vector<MeterPlan>& plans,
                     int64_t now, std::vector<MeterRange>* out, std::vector<bool>* done,
                     const QualityParams& params) {
  std::vector<size_t> meters;  // fleet index of each query
  std::vector<vee::StoredDaysQuery> queries;
  auto flush = [&] {
    auto stored = backend.quality_days->Read(queries);
    for (size_t q = 0; stored && q < queries.size(); ++q) {
      const size_t i = meters[q];
      if (std::optional<MeterReport> r = FromStored(plans[i], (*stored)[q], now)) {
        (*out)[i] = {vee::Summarize(r->days, params.min), r->span, r->start_ms, r->end_ms};
        (*done)[i] = true;
      }
    }
    meters.clear();
    queries.clear();
  };
  for (size_t i = 0; i < fleet.meters.size(); ++i) {
    if (fleet.meters[i].meter == nullptr || plans[i].span.end <= plans[i].span.first) continue;
    meters.push_back(i);
    queries.push_back(QueryOf(plans[i], fleet.meters[i].key));
    if (queries.size() == kStoredChunk) flush();
  }
  if (!queries.empty()) flush();
}

Status ReportFleet(SeriesBackend& backend, const Fleet& fleet, const QualityParams& params,
                   std::vector<MeterRange>* out) {
  const size_t n = fleet.meters.size();
  out->assign(n, MeterRange{});
  const int64_t now = NowMillis();
  // Plans first: a meter whose zone is unknown fails the summary, as before.
  std::vector<MeterPlan> plans;
  plans.reserve(n);
  for (const FleetMeter& m : fleet.meters) {
    if (m.meter == nullptr) {
      plans.push_back(MeterPlan{{}, {}, *vee::LocalClock::For("UTC"), {}, 0});
      continue;
    }
    METRIFY_ASSIGN_OR_RETURN(MeterPlan plan, PlanMeter(backend, *m.meter, params, now));
    plans.push_back(std::move(plan));
  }
  std::vector<bool> done(n, false);
  if (backend.quality_days) FleetFromStored(backend, fleet, plans, now, out, &done, params);
  std::vector<size_t> live;  // the meters to compute
  for (size_t i = 0; i < n; ++i) {
    if (fleet.meters[i].meter != nullptr && !done[i]) live.push_back(i);
  }
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                            std::max<size_t>(1, live.size() / kMetersPerThread));
  std::vector<Status> results(workers);
  auto work = [&](size_t w) {
    for (size_t j = w; j < live.size(); j += workers) {
      const size_t i = live[j];
      const FleetMeter& m = fleet.meters[i];
      Result<MeterReport> report = ReportMeter(backend, *m.meter, m.key, plans[i], now);
      if (!report) {
        results[w] = report.error();
        return;
      }
      (*out)[i] = {vee::Summarize(report->days, params.min), report->span, report->start_ms,
                   report->end_ms};
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  for (const Status& s : results) METRIFY_RETURN_IF_ERROR(s);
  return Status::Ok();
}

std::string GroupOf(const model::Meter& m, std::string_view group_by) {
  if (group_by == "operator") return m.grid_operator_id;
  if (group_by == "city") return m.city;
  if (group_by == "segment") return std::string(model::EnumName(m.segment));
  if (group_by == "meter") return m.id;
  return "all";
}

void WriteGroup(JsonWriter& w, std::string_view name, const vee::GroupQuality& g,
                const vee::QualityThresholds& min) {
  w.BeginObject();
  if (name.empty()) {
    w.Key("group").Null();  // meters without an operator or city
  } else {
    w.Key("group").String(name);
  }
  w.Key("meters").Int(g.meters);
  w.Key("meters_below").Int(g.meters_below);
  w.Key("meters_without_data").Int(g.meters_without_data);
  w.Key("meters_by_tier").BeginObject();
  for (size_t i = 0; i < g.kTiers.size(); ++i) w.Key(g.kTiers[i]).Int(g.meters_by_tier[i]);
  w.EndObject();
  WriteRange(w, g.range, "meter_days");
  WriteBelow(w, g.range.tally, min);
  w.EndObject();
}

// The earliest and latest local day any meter was reported for (null
// without meters).
void WriteBounds(JsonWriter& w, const Fleet& fleet, const std::vector<MeterRange>& ranges) {
  std::optional<MeterRange> b;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (fleet.meters[i].meter == nullptr) continue;
    const MeterRange& r = ranges[i];
    if (!b) b = r;
    b->span.first = std::min(b->span.first, r.span.first);
    b->span.end = std::max(b->span.end, r.span.end);
    b->start_ms = std::min(b->start_ms, r.start_ms);
    b->end_ms = std::max(b->end_ms, r.end_ms);
  }
  if (!b) {
    for (const char* key : {"first_day", "last_day", "start", "end"}) w.Key(key).Null();
    return;
  }
  w.Key("first_day").String(DateText(b->span.first));
  w.Key("last_day").String(DateText(b->span.end - 1));
  w.Key("start").String(FormatRfc3339(b->start_ms));
  w.Key("end").String(FormatRfc3339(b->end_ms));
}

HttpResponse Summary(SeriesBackend& backend, HttpRequest& request) {
  Result<QualityParams> params = ReadQualityParams(request, true);
  if (!params) return ErrorFromStatus(params.error());
  Result<Fleet> fleet = ResolveFleet(backend, request);
  if (!fleet) return ErrorFromStatus(fleet.error());
  std::vector<MeterRange> ranges;
  if (Status s = ReportFleet(backend, *fleet, *params, &ranges); !s.ok()) {
    return ErrorFromStatus(s);
  }
  std::map<std::string, vee::GroupQuality> groups;  // by name: answers in a stable order
  int64_t meters = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const FleetMeter& m = fleet->meters[i];
    if (m.meter == nullptr) continue;
    groups[GroupOf(*m.meter, params->group_by)].Add(ranges[i].range, params->min);
    ++meters;
  }
  JsonWriter w;
  w.Reserve(512 + groups.size() * 900);
  w.BeginObject();
  WriteBounds(w, *fleet, ranges);
  w.Key("group_by").String(params->group_by);
  WriteThresholds(w, params->min);
  w.Key("meters").Int(meters);
  w.Key("groups").BeginArray();
  for (const auto& [name, group] : groups) WriteGroup(w, name, group, params->min);
  w.EndArray();
  w.Key("unknown").BeginArray();
  for (const std::string& id : fleet->unknown) w.String(id);
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void AddQualityRoutes(Router& router, SeriesBackend& backend) {
  router.Add("GET", "/api/v1/quality/meters/{id}",
             [&backend](HttpRequest& request, const PathParams& path) {
               return MeterQuality(backend, request, path);
             });
  router.Add("GET", "/api/v1/quality/summary", [&backend](HttpRequest& request, const PathParams&) {
    return Summary(backend, request);
  });
}

}  // namespace metrify::api
