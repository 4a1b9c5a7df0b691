// MeterFaults: meter hardware faults from what VEE found in a meter's
// validated window (vee/validator.h: each ValidatedInterval's `fired`
// bits). Findings have type "meter_fault":
//
//   stuck_register      VEE's flat_line fired: the register or energy froze
//   meter_reset         VEE's reset fired: the register dropped to zero
//                       (reset or meter exchange)
//   repeated_rollovers  VEE's rollover fired at least rollover_count times
//                       within rollover_window_ms (a register that wraps
//                       that often is too narrow or counting wrong)
//
// One object per meter: it keeps the meter's last 8 rollover times and the
// run of a standing register (about 100 bytes). Thread safety: none; the meter's owner calls it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "detect/detect_rules.h"
#include "detect/threshold_checks.h"
#include "vee/validator.h"

namespace metrify::detect {

class MeterFaults {
 public:
  // Judges one window (rows ascending by end_ms, as ValidateWindow returns
  // them; a window VEE re-validates may be given again: a rollover already
  // counted is not counted twice). Per enabled rule, appends one Verdict:
  // a Finding (at_ms the newest row it fired on) when it fired in the
  // window; else "clear" when the window holds a MEASURED row (the meter
  // is seen working); else nothing.
  void Observe(std::span<const vee::ValidatedInterval> rows, const MeterFaultRules& rules,
               std::string_view meter_id, std::vector<Verdict>* out);

  // Rollovers remembered within `window_ms` before and at `newest_ms`.
  int RolloversWithin(int64_t newest_ms, int64_t window_ms) const;

 private:
  void NoteRollover(int64_t end_ms);
  // The newest row ending a run of `intervals` MEASURED rows whose register
  // stood still while they counted energy, or null.
  const vee::ValidatedInterval* StandingRegister(std::span<const vee::ValidatedInterval> rows,
                                                 int intervals);

  static constexpr int kKept = 8;
  std::array<int64_t, kKept> rollovers_{};  // ring of end_ms; 0: empty
  uint8_t next_ = 0;
  // The run of standing registers so far (it may span windows).
  int64_t last_end_ms_ = INT64_MIN;
  double last_register_ = NAN;
  int standing_ = 0;
};

}  // namespace metrify::detect
