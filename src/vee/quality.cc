#include "vee/quality.h"

#include <algorithm>
#include <bit>

namespace metrify::vee {

namespace {

uint32_t Bit(RuleId rule) { return 1u << static_cast<int>(rule); }

// An estimate is as good as its method (docs/vee.md "Quality").
double MethodAccuracy(RuleId method) {
  switch (method) {
    case RuleId::kRegisterSpread:
      return 0.8;
    case RuleId::kLinear:
      return 0.7;
    case RuleId::kSimilarDay:
      return 0.6;
    default:
      return 0.4;
  }
}

}  // namespace

// Rows keep late_by_s only past the due time.
double Timeliness(int64_t late_by_s, double due_after_hours) {
  const double due = due_after_hours * 3600;
  if (static_cast<double>(late_by_s) <= due) return 1;
  return std::max(0.0, 1 - (static_cast<double>(late_by_s) - due) / std::max(1.0, 48 * 3600 - due));
}

double QualityScore(double completeness, double consistency, double accuracy, double timeliness) {
  return 0.3 * completeness + 0.3 * consistency + 0.3 * accuracy + 0.1 * timeliness;
}

std::string_view QualityTier(double score) {
  if (score >= 0.9) return "EXCELLENT";
  if (score >= 0.8) return "GOOD";
  if (score >= 0.7) return "FAIR";
  if (score >= 0.5) return "POOR";
  return "UNKNOWN";
}

double IntervalQuality(const ValidatedInterval& row, uint16_t raw_present, uint16_t sent_fields,
                       double due_after_hours) {
  switch (row.status) {
    case ValueStatus::kMissing:
    case ValueStatus::kInvalid:
      return 0;
    case ValueStatus::kEdited:
      return QualityScore(1, 1, 0.9, 1);
    case ValueStatus::kEstimated:
      return QualityScore(0, row.rule == RuleId::kRegisterSpread ? 1 : 0.5,
                          MethodAccuracy(row.rule), 0);
    case ValueStatus::kMeasured:
      break;
  }
  const int invalid = std::popcount(row.invalid_fields);
  const int expected = std::popcount(sent_fields);
  const int present = std::popcount(static_cast<uint16_t>(raw_present & sent_fields));
  const double completeness = expected == 0 ? 1 : static_cast<double>(present - invalid) / expected;
  int soft = 0;
  for (RuleId r : {RuleId::kSumCheck, RuleId::kReset, RuleId::kDuplicate, RuleId::kFlatLine,
                   RuleId::kZeroStreak}) {
    soft += (row.fired & Bit(r)) != 0;
  }
  const double consistency = std::max(0.0, 1 - 0.5 * soft);
  const double accuracy =
      raw_present == 0 ? 0 : 1 - static_cast<double>(invalid) / std::popcount(raw_present);
  return QualityScore(std::max(0.0, completeness), consistency, accuracy,
                      Timeliness(row.late_by_s, due_after_hours));
}

}  // namespace metrify::vee
