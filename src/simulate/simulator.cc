#include "simulate/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>
#include <tuple>

#include "common/time.h"
#include "simulate/day_context.h"
#include "simulate/grid_model.h"
#include "simulate/meter_emitter.h"
#include "simulate/meter_model.h"
#include "simulate/weather_model.h"

namespace metrify::simulate {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;
// Meters generated at once: bounds the text held before it is written.
constexpr size_t kMeterChunk = 2048;

class Run {
 public:
  Run(const SimulationOptions& o, Fleet fleet, Sink& sink)
      : o_(o),
        fleet_(std::move(fleet)),
        sink_(sink),
        weather_(o.fleet.seed, fleet_.stations),
        plan_(o.fleet.seed, o.fault_rate),
        first_day_(FloorDiv(o.start_ms, kDayMs)),
        plan_end_ms_(o.plan_until_ms > 0 ? o.plan_until_ms
                     : o.live            ? std::max(o.start_ms, o.live->Now()) + kDayMs
                                         : o.end_ms),
        cursor_(o.start_ms) {}

  Result<SimulationSummary> Go() {
    METRIFY_RETURN_IF_ERROR(SetUpMeters());
    METRIFY_RETURN_IF_ERROR(sink_.Begin(fleet_));
    METRIFY_RETURN_IF_ERROR(o_.live ? Live() : AdvanceTo(o_.end_ms));
    // Late readings due after the end still arrive, last.
    METRIFY_RETURN_IF_ERROR(ReleaseLate(INT64_MAX, FloorDiv(cursor_ - 1, kDayMs)));
    summary_.end_ms = cursor_;
    for (Fault& f : summary_.faults) {
      if (f.kind == FaultKind::kSilent) f.end_ms = cursor_ + kQuarterMs;
    }
    std::sort(summary_.faults.begin(), summary_.faults.end(), [](const Fault& a, const Fault& b) {
      return std::tie(a.start_ms, a.kind, a.source) < std::tie(b.start_ms, b.kind, b.source);
    });
    METRIFY_RETURN_IF_ERROR(sink_.Finish(fleet_, summary_.faults));
    return std::move(summary_);
  }

 private:
  // Backfills to the clock's present, then sends each quarter hour once the
  // clock has passed it, catching up whatever a slow sink held back.
  Status Live() {
    METRIFY_RETURN_IF_ERROR(AdvanceTo(FloorQuarter(o_.live->Now())));
    METRIFY_RETURN_IF_ERROR(sink_.Flush());
    while (o_.live->WaitUntil(cursor_ + kQuarterMs)) {
      METRIFY_RETURN_IF_ERROR(AdvanceTo(FloorQuarter(o_.live->Now())));
      METRIFY_RETURN_IF_ERROR(sink_.Flush());
    }
    return Status::Ok();
  }

  static int64_t FloorQuarter(int64_t t) { return FloorDiv(t, kQuarterMs) * kQuarterMs; }

  // Sends everything up to `to` (a quarter hour), a day at a time.
  Status AdvanceTo(int64_t to) {
    while (cursor_ < to) {
      if (o_.live && o_.live->Stopped()) break;
      const int64_t day = FloorDiv(cursor_, kDayMs);
      const int64_t until = std::min(to, (day + 1) * kDayMs);
      METRIFY_RETURN_IF_ERROR(Window(day, static_cast<int>((cursor_ - day * kDayMs) / kQuarterMs),
                                     static_cast<int>((until - day * kDayMs) / kQuarterMs)));
      cursor_ = until;
    }
    return Status::Ok();
  }

  // Registers, and the rollovers: a meter due one gets the register start
  // that makes it pass its limit in exactly that interval.
  Status SetUpMeters() {
    states_.resize(fleet_.meters.size());
    rollovers_.resize(fleet_.meters.size());
    silent_from_.assign(fleet_.meters.size(), INT64_MAX);
    for (size_t i = 0; i < fleet_.meters.size(); ++i) {
      const SimMeter& m = fleet_.meters[i];
      MeterState& s = states_[i];
      s.limit_wh = std::llround(m.register_limit_kwh * 1000);
      s.register_wh = std::llround(m.register_start_kwh * 1000);
      if (m.pv_kwp > 0) continue;  // a prosumer may draw nothing in the interval
      rollovers_[i] =
          plan_.RolloverOf(static_cast<int>(i), first_day_, FloorDiv(plan_end_ms_ - 1, kDayMs));
      if (rollovers_[i].empty()) continue;
      Fault& f = rollovers_[i].front();
      f.start_ms = std::max(f.start_ms, o_.start_ms + kQuarterMs);
      f.end_ms = f.start_ms + kQuarterMs;
      if (f.start_ms > plan_end_ms_) {
        rollovers_[i].clear();
        continue;
      }
      METRIFY_ASSIGN_OR_RETURN(int64_t before, ImportBefore(static_cast<int>(i), f.start_ms));
      // One Wh short of the limit before the interval: any draw rolls it.
      s.register_wh = ((s.limit_wh - 1 - before) % s.limit_wh + s.limit_wh) % s.limit_wh;
    }
    return Status::Ok();
  }

  // The meter's import from the range's start up to (not including) the
  // interval ending at `t`.
  Result<int64_t> ImportBefore(int meter, int64_t t) {
    int64_t sum = 0;
    for (int64_t day = first_day_; day <= FloorDiv(t - 1, kDayMs); ++day) {
      METRIFY_ASSIGN_OR_RETURN(const DayContext* ctx, Context(day));
      const TrueDay truth = SimulateMeterDay(o_.fleet.seed, meter, fleet_.meters[meter], *ctx);
      for (int i = 0; i < kSlots; ++i) {
        const int64_t end = ctx->start_ms + (i + 1) * kQuarterMs;
        if (end > o_.start_ms && end < t) sum += truth[i].import_wh;
      }
    }
    return sum;
  }

  Result<const DayContext*> Context(int64_t day) {
    auto it = contexts_.find(day);
    if (it == contexts_.end()) {
      METRIFY_ASSIGN_OR_RETURN(DayContext c,
                               MakeDayContext(day, fleet_, weather_, plan_, o_.fleet.seed));
      it = contexts_.emplace(day, std::move(c)).first;
    }
    return &it->second;
  }

  struct ChunkOutput {
    std::string text;
    std::vector<Row> late;
    std::vector<Fault> faults;
    std::vector<DaySeries> import_kwh;
    size_t rows = 0;
  };

  // The faults of meter `m` that touch `day` and start inside the run.
  std::vector<Fault> MeterFaults(size_t m, int64_t day) const {
    std::vector<Fault> faults = plan_.MeterDay(static_cast<int>(m), day);
    for (const Fault& f : rollovers_[m]) {
      if (FloorDiv(f.start_ms - 1, kDayMs) == day) faults.push_back(f);
    }
    std::erase_if(faults, [&](const Fault& f) { return f.start_ms <= o_.start_ms; });
    return faults;
  }

  // Records the faults starting in the intervals ending in (lo, hi]. A
  // silent meter's later faults are seen by no one and are not recorded.
  void RecordFaults(size_t m, const std::vector<Fault>& faults, int64_t lo, int64_t hi,
                    std::vector<Fault>& out) {
    auto starts_here = [&](const Fault& f) { return f.start_ms > lo && f.start_ms <= hi; };
    for (const Fault& f : faults) {
      if (f.kind == FaultKind::kSilent && starts_here(f) && f.start_ms < silent_from_[m]) {
        silent_from_[m] = f.start_ms;
        out.push_back(f);
      }
    }
    for (const Fault& f : faults) {
      if (f.kind != FaultKind::kSilent && starts_here(f) && f.start_ms < silent_from_[m]) {
        out.push_back(f);
      }
    }
  }

  void MeterRange(const DayContext& ctx, int first, int last, size_t begin, size_t end,
                  ChunkOutput& out) {
    out.import_kwh.assign(fleet_.operators.size(), DaySeries{});
    std::vector<Row> rows;
    for (size_t m = begin; m < end; ++m) {
      const SimMeter& meter = fleet_.meters[m];
      const std::vector<Fault> faults = MeterFaults(m, ctx.day);
      RecordFaults(m, faults, ctx.start_ms + first * kQuarterMs, ctx.start_ms + last * kQuarterMs,
                   out.faults);
      const TrueDay truth = SimulateMeterDay(o_.fleet.seed, static_cast<int>(m), meter, ctx);
      for (int i = first; i < last; ++i) {
        out.import_kwh[meter.operator_index][i] += truth[i].import_wh / 1000.0;
      }
      rows.clear();
      EmitMeterIntervals(static_cast<int>(m), meter, truth, ctx, faults, first, last, states_[m],
                         rows, out.late);
      for (const Row& r : rows) AppendRow(out.text, o_.format, kReading, meter.meter.id, r);
      out.rows += rows.size();
    }
  }

  // The intervals [first, last) of `day`: readings, late readings now due,
  // grid status of those minutes and observations.
  Status Window(int64_t day, int first, int last) {
    METRIFY_ASSIGN_OR_RETURN(const DayContext* ctx, Context(day));
    if (load_day_ != day) {
      load_day_ = day;
      load_.import_kwh.assign(fleet_.operators.size(), DaySeries{});
      load_.expected_kwh.assign(fleet_.operators.size(), 0);
      for (const SimMeter& m : fleet_.meters)
        load_.expected_kwh[m.operator_index] += m.annual_kwh / 35040;
    }
    const size_t threads =
        o_.threads > 0 ? o_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (size_t begin = 0; begin < fleet_.meters.size(); begin += kMeterChunk * threads) {
      std::vector<ChunkOutput> parts(threads);
      std::vector<std::thread> workers;
      for (size_t t = 0; t < threads; ++t) {
        const size_t b = std::min(fleet_.meters.size(), begin + t * kMeterChunk);
        const size_t e = std::min(fleet_.meters.size(), b + kMeterChunk);
        workers.emplace_back([&, b, e, t] { MeterRange(*ctx, first, last, b, e, parts[t]); });
      }
      for (auto& w : workers) w.join();
      for (ChunkOutput& part : parts) {
        METRIFY_RETURN_IF_ERROR(sink_.Rows(kReading, "", day, part.text));
        summary_.readings += part.rows;
        late_.insert(late_.end(), part.late.begin(), part.late.end());
        summary_.faults.insert(summary_.faults.end(), part.faults.begin(), part.faults.end());
        for (size_t op = 0; op < part.import_kwh.size(); ++op) {
          for (int i = first; i < last; ++i) load_.import_kwh[op][i] += part.import_kwh[op][i];
        }
      }
    }
    const int64_t lo = ctx->start_ms + first * kQuarterMs, hi = ctx->start_ms + last * kQuarterMs;
    METRIFY_RETURN_IF_ERROR(ReleaseLate(hi, day));
    for (const Fault& f : ctx->operator_faults) {
      if (f.start_ms >= lo && f.start_ms < hi) summary_.faults.push_back(f);
    }
    METRIFY_RETURN_IF_ERROR(Grid(*ctx, lo, hi));
    METRIFY_RETURN_IF_ERROR(Observations(*ctx, first, last));
    if (last == kSlots) contexts_.erase(contexts_.begin(), contexts_.upper_bound(day));
    return Status::Ok();
  }

  // Sends the late readings due at or before `until`, in the order they arrive.
  Status ReleaseLate(int64_t until, int64_t day) {
    std::vector<Row> due;
    std::erase_if(late_, [&](const Row& r) {
      if (r.release_ms > until) return false;
      due.push_back(r);
      return true;
    });
    std::sort(due.begin(), due.end(), [](const Row& a, const Row& b) {
      return std::tie(a.release_ms, a.source, a.timestamp_ms) <
             std::tie(b.release_ms, b.source, b.timestamp_ms);
    });
    std::string text;
    for (const Row& r : due)
      AppendRow(text, o_.format, kReading, fleet_.meters[r.source].meter.id, r);
    summary_.readings += due.size();
    return text.empty() ? Status::Ok() : sink_.Rows(kReading, "", day, text);
  }

  // Grid status of the minutes in [lo, hi).
  Status Grid(const DayContext& ctx, int64_t lo, int64_t hi) {
    const std::vector<Row> rows =
        GridStatusRows(o_.fleet.seed, fleet_, ctx, load_, weather_, lo, hi);
    for (size_t op = 0; op < fleet_.operators.size(); ++op) {
      std::string text;
      for (const Row& r : rows) {
        if (r.source != static_cast<int>(op)) continue;
        AppendRow(text, o_.format, model::SeriesKind::kGridStatus, fleet_.operators[op].id, r);
        ++summary_.grid_status;
      }
      if (!text.empty()) {
        METRIFY_RETURN_IF_ERROR(
            sink_.Rows(model::SeriesKind::kGridStatus, fleet_.operators[op].id, ctx.day, text));
      }
    }
    return Status::Ok();
  }

  Status Observations(const DayContext& ctx, int first, int last) {
    for (size_t s = 0; s < fleet_.stations.size(); ++s) {
      std::string text;
      for (int i = first; i < last; ++i) {
        const int64_t t = ctx.start_ms + (i + 1) * kQuarterMs;
        const model::Sample sample = weather_.Observation(static_cast<int>(s), t);
        Row row;
        row.source = static_cast<int>(s);
        row.timestamp_ms = t;
        row.present = sample.present;
        row.values = sample.values;
        AppendRow(text, o_.format, model::SeriesKind::kObservation, fleet_.stations[s].id, row);
        ++summary_.observations;
      }
      if (!text.empty()) {
        METRIFY_RETURN_IF_ERROR(
            sink_.Rows(model::SeriesKind::kObservation, fleet_.stations[s].id, ctx.day, text));
      }
    }
    return Status::Ok();
  }

  const SimulationOptions& o_;
  Fleet fleet_;
  Sink& sink_;
  WeatherModel weather_;
  FaultPlan plan_;
  int64_t first_day_;
  int64_t plan_end_ms_;  // rollovers are planned up to here
  int64_t cursor_;       // everything before it is sent
  std::vector<MeterState> states_;
  std::vector<int64_t> silent_from_;  // per meter: when it fell silent
  std::vector<std::vector<Fault>> rollovers_;
  std::map<int64_t, DayContext> contexts_;
  std::vector<Row> late_;
  int64_t load_day_ = INT64_MIN;  // the day load_ sums
  FleetLoad load_;
  SimulationSummary summary_;
};

}  // namespace

Result<SimulationSummary> Simulate(const SimulationOptions& o, Sink& sink) {
  if (!o.live && o.end_ms <= o.start_ms) {
    return Status::InvalidArgument("--end must be after --start");
  }
  if (o.start_ms % kQuarterMs != 0 || (!o.live && o.end_ms % kQuarterMs != 0)) {
    return Status::InvalidArgument("--start and --end must fall on a quarter hour");
  }
  if (o.fault_rate < 0 || o.fault_rate > 1) {
    return Status::InvalidArgument(fmt::format("--faults must be 0..1, got {}", o.fault_rate));
  }
  METRIFY_ASSIGN_OR_RETURN(Fleet fleet, BuildFleet(o.fleet));
  Run run(o, std::move(fleet), sink);
  return run.Go();
}

}  // namespace metrify::simulate
