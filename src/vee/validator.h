// Validator: one meter's raw readings in, validated intervals out
// (docs/vee.md "Validation"). A pure function over a window of the meter's
// interval grid that starts right after an *anchor*, the last interval whose
// outcome is final; VEE calls it again for each new batch with the window
// starting at the anchor it returned, so a reading is decided with both its
// neighbours (a spike needs the next value) and late data re-runs only the
// window it falls in.
//
// Every grid interval of the window, from the anchor to the newest reading,
// gets exactly one ValidatedInterval: MEASURED (possibly flagged), INVALID
// or MISSING (when no estimate applies), ESTIMATED (with the method) or
// EDITED. Intervals after the newest reading are not the window's: a gap
// at the end stays open until a reading closes it. The raw readings are
// never changed; the caller stores what differs from them.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/series.h"
#include "vee/local_clock.h"
#include "vee/rules.h"
#include "vee/status.h"

namespace metrify::vee {

// What validation needs from the meter's registry entry.
struct MeterInfo {
  std::string id;
  std::string type = "electricity";
  std::string timezone = "Europe/Berlin";
  std::string load_profile;  // "" = none
  int32_t interval_s = 900;
  double register_multiplier = 1;
  int register_digits = 6, register_decimals = 1;
  std::optional<double> rated_current_a, annual_kwh;

  // The register's rollover point in kWh: 10^(digits - decimals) x multiplier
  // (6 digits with 1 decimal roll from 99999.9 to 0).
  double RegisterWrapKwh() const;
};

// One raw reading as stored (the latest revision of its timestamp).
struct RawReading {
  int64_t timestamp_ms = 0;  // as sent: the interval end, possibly off the grid
  int32_t interval_s = 0;
  uint16_t present = 0;
  std::array<double, model::kMaxSeriesFields> values{};
  bool revised = false;  // an earlier, different revision exists
  // How far the meter's data had already advanced past this reading when it
  // arrived (data time, not wall time: a backfill sent in order is on
  // time); 0 for readings that arrived in order.
  int64_t late_by_ms = 0;

  bool Has(int field) const { return (present >> field) & 1u; }
};

// A value set by a person (PUT .../readings/{timestamp}).
struct Edit {
  double energy_kwh = NAN;  // NaN: not edited
  double register_kwh = NAN;
};

// The last final interval before a window, and the running counts that
// reach across windows.
struct Anchor {
  int64_t end_ms = INT64_MIN;  // INT64_MIN: none yet (the meter's first window)
  std::optional<double> energy_kwh;
  std::optional<double> register_kwh;  // as the meter shows it (wrapped)
  int zero_run = 0;                    // zero-energy intervals ending at the anchor
  int flat_run = 0;                    // identical non-zero values ending at the anchor
  double flat_value = NAN;
  // The sum check's open period, from the last register it was based on:
  // the interval energies and the register's rise since (kWh).
  bool sum_open = false;
  double sum_energy_kwh = 0, sum_register_kwh = 0;
};

// What the meter usually does, learned from final measured intervals
// (vee/meter_stats.h keeps it up to date).
struct MeterTypical {
  // Mean energy per local quarter hour of the day; NaN while unknown.
  std::array<float, 96> quarter_kwh;
  double daily_kwh = NAN;  // usual local-day energy
  int days = 0;            // complete days learned

  MeterTypical() { quarter_kwh.fill(NAN); }
};

struct ValidatedInterval {
  int64_t end_ms = 0;                                             // on the grid
  double energy_kwh = NAN, export_kwh = NAN, register_kwh = NAN;  // NaN: none
  ValueStatus status = ValueStatus::kMissing;
  RuleId rule = RuleId::kNone;  // what decided the status (or the flag that fired)
  uint32_t fired = 0;           // bit r set: validation rule r fired (r < 16)
  uint16_t invalid_fields = 0;  // raw fields outside their range, left out
  int64_t late_by_s = 0;        // how late the reading used came (s), if after it was due; else 0
  double quality = 0;           // 0-1, docs/vee.md "Quality"
  // A gap that is not due yet (see MarkPending in validator.cc): readings
  // may still arrive, so it is neither estimated nor stored, and the anchor
  // stays before it.
  bool pending = false;
  // Pending only because the readings after it have not settled
  // (WindowInput::settled_ms): due by the clock once they have.
  bool settling = false;
};

struct WindowResult {
  std::vector<ValidatedInterval> rows;  // ascending, one per grid interval
  Anchor anchor;                        // where the next window starts
  size_t final_rows = 0;                // rows[0, final_rows) are final (up to the anchor)
};

// The measured energy of this meter for the interval ending at end_ms, for
// similar-day estimates (nullopt: unknown). May be empty.
using HistoryFn = std::function<std::optional<double>(int64_t end_ms)>;

struct WindowInput {
  const MeterInfo* meter = nullptr;
  const RuleSet* rules = nullptr;
  const MeterTypical* typical = nullptr;  // may be null: nothing learned
  Anchor anchor;
  // Raw readings after the anchor, ascending by timestamp.
  std::span<const RawReading> raw;
  const std::map<int64_t, Edit>* edits = nullptr;  // by grid end_ms; may be null
  int64_t now_ms = 0;
  // The newest reading that has been known for the settle time
  // (VeeService::set_settle_ms). The clock alone makes a gap due only
  // before it: a gap whose readings after it all arrived within the settle
  // time waits, since the readings sent with them may still be on the way
  // (a backfill of old data is overdue by the clock at once).
  int64_t settled_ms = INT64_MAX;
  HistoryFn history;
};

// Validates and estimates the window. Errors: InvalidArgument for an
// unknown time zone.
Result<WindowResult> ValidateWindow(const WindowInput& input);
// The same with the meter's clock already at hand (callers that validate a
// meter again and again keep one; `clock` is for input.meter->timezone).
WindowResult ValidateWindow(const WindowInput& input, LocalClock& clock);

}  // namespace metrify::vee
