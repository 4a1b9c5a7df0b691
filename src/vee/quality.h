// The per-interval quality score (docs/vee.md "Quality"): the validator
// gives each row one, and the validated read path scores rows read back
// from the overlay the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "vee/validator.h"

namespace metrify::vee {

// 0.3 x completeness + 0.3 x consistency + 0.3 x accuracy + 0.1 x timeliness.
double QualityScore(double completeness, double consistency, double accuracy, double timeliness);
std::string_view QualityTier(double score);  // EXCELLENT, GOOD, FAIR, POOR, UNKNOWN

// The timeliness of a reading that came `late_by_s` late (ValidatedInterval::
// late_by_s): 1 up to the due time, falling linearly to 0 at 48 hours.
double Timeliness(int64_t late_by_s, double due_after_hours);

// The score of one validated interval. `raw_present`: the fields its raw
// reading carried (0: none); `sent_fields`: the fields this meter sends
// (those any of its readings nearby carry); `due_after_hours`: the gap
// rule's due time, where timeliness starts to fall.
double IntervalQuality(const ValidatedInterval& row, uint16_t raw_present, uint16_t sent_fields,
                       double due_after_hours);

}  // namespace metrify::vee
