#include "vee/estimation.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "parse/timestamp.h"
#include "reference/load_profile.h"

namespace metrify::vee {
namespace {

constexpr int64_t kQuarterMs = 900'000;

int64_t Utc(std::string_view rfc3339) {
  const std::optional<int64_t> ms = parse::ParseTimestamp(rfc3339);
  EXPECT_TRUE(ms.has_value()) << rfc3339;
  return ms.value_or(0);
}

Gap QuarterHours(std::string_view first_end, int count) { return Gap{Utc(first_end), count, 900}; }

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// ---------------------------------------------------------------- linear

struct LinearCase {
  const char* name;
  std::optional<double> before, after;
  int count;
  std::optional<std::vector<double>> expected;
};

const LinearCase kLinearCases[] = {
    {"QuartersOfTheWay", 1, 2, 3, std::vector<double>{1.25, 1.5, 1.75}},
    {"Falling", 2, 0, 1, std::vector<double>{1}},
    {"Level", 0.4, 0.4, 2, std::vector<double>{0.4, 0.4}},
    {"FromZero", 0, 0.5, 4, std::vector<double>{0.1, 0.2, 0.3, 0.4}},
    {"NegativeNeighbourCountsAsZero", -1, 1, 1, std::vector<double>{0.5}},
    {"NoBefore", std::nullopt, 1, 2, std::nullopt},
    {"NoAfter", 1, std::nullopt, 2, std::nullopt},
    {"EmptyGap", 1, 1, 0, std::nullopt},
};

TEST(EstimateLinear, StraightLineThroughTheNeighbours) {
  for (const LinearCase& c : kLinearCases) {
    SCOPED_TRACE(c.name);
    GapContext context;
    context.before_kwh = c.before;
    context.after_kwh = c.after;
    const std::optional<Estimate> e =
        EstimateLinear(QuarterHours("2025-01-15T10:15:00Z", c.count), context);
    ASSERT_EQ(e.has_value(), c.expected.has_value());
    if (!e) continue;
    EXPECT_EQ(e->method, RuleId::kLinear);
    ASSERT_EQ(e->kwh.size(), c.expected->size());
    for (size_t i = 0; i < e->kwh.size(); ++i) EXPECT_NEAR(e->kwh[i], (*c.expected)[i], 1e-15);
  }
}

// ----------------------------------------------------------- similar day

// The test's own reading of the wall clock: local day number + slot / 100 of
// the interval ending at `end_ms` (placed by its start). A history that
// returns this lets a case check both the weekday and the wall-clock time
// the method looked at: k weeks back the value is exactly 7k lower.
double LocalKey(const std::string& zone, int64_t end_ms) {
  using std::chrono::milliseconds;
  const auto local =
      date::make_zoned(zone, date::sys_time<milliseconds>(milliseconds(end_ms - kQuarterMs)))
          .get_local_time();
  const auto day = date::floor<date::days>(local);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  return double(day.time_since_epoch().count()) + double(minutes / 15) / 100;
}

struct SimilarDayCase {
  const char* name;
  const char* zone;
  const char* first_end;  // UTC; the local times are in the comment
  int count, weeks, min_days;
  std::vector<const char*> missing;  // UTC ends the history does not know
  // Per interval (one value: all of them): how many days back the mean of
  // the values used lies. Empty: expect nullopt.
  std::vector<double> days_back;
};

const SimilarDayCase kSimilarDayCases[] = {
    // Wednesday 2025-01-15 10:00-11:00 CET: the four Wednesdays before.
    {"NormalWeekday", "Europe/Berlin", "2025-01-15T09:15:00Z", 4, 4, 2, {}, {17.5}},
    {"TwoWeeks", "Europe/Berlin", "2025-01-15T09:15:00Z", 4, 2, 2, {}, {10.5}},
    // Tuesday 23:30 to Wednesday 00:30 CET: each side of midnight keeps its day.
    {"AcrossLocalMidnight", "Europe/Berlin", "2025-01-14T22:45:00Z", 4, 4, 2, {}, {17.5}},
    // Sunday 2025-03-30 01:00 CET to 04:00 CEST (clocks jump 02:00 -> 03:00):
    // 01:00-01:45 and 03:00-03:45 on the Sundays before, all CET.
    {"SpringForwardSunday", "Europe/Berlin", "2025-03-30T00:15:00Z", 8, 4, 2, {}, {17.5}},
    // Sunday 2025-04-06 02:00-03:00 CEST: a week earlier that hour did not
    // exist, so the mean is of weeks 2-4 (21 days back on average).
    {"WeekAfterSpringForward", "Europe/Berlin", "2025-04-06T00:15:00Z", 4, 4, 2, {}, {21}},
    {"WeekAfterSpringForwardNeedsFour", "Europe/Berlin", "2025-04-06T00:15:00Z", 4, 4, 4, {}, {}},
    // Sunday 2025-10-26 01:45 CEST to 03:15 CET: both 02:00-03:00 hours map
    // to 02:00-03:00 on the Sundays before (CEST).
    {"FallBackSunday", "Europe/Berlin", "2025-10-26T00:00:00Z", 10, 4, 2, {}, {17.5}},
    // Sunday 2025-11-02 02:00-03:00 CET: a week earlier that hour was
    // there twice; the same wall-clock time either way.
    {"WeekAfterFallBack", "Europe/Berlin", "2025-11-02T01:15:00Z", 4, 4, 2, {}, {17.5}},
    // America/New_York, Sunday 2025-03-09 01:00 EST to 04:00 EDT.
    {"NewYorkSpringForward", "America/New_York", "2025-03-09T06:15:00Z", 8, 4, 2, {}, {17.5}},
    // Only week 4 known for the third interval (ending 09:45Z).
    {"MinDaysNotMet",
     "Europe/Berlin",
     "2025-01-15T09:15:00Z",
     4,
     4,
     2,
     {"2025-01-08T09:45:00Z", "2025-01-01T09:45:00Z", "2024-12-25T09:45:00Z"},
     {}},
    // Weeks 3 and 4 known for the third interval: the mean of those two.
    {"MeanOfTheKnownWeeks",
     "Europe/Berlin",
     "2025-01-15T09:15:00Z",
     4,
     4,
     2,
     {"2025-01-08T09:45:00Z", "2025-01-01T09:45:00Z"},
     {17.5, 17.5, 24.5, 17.5}},
    {"UnknownZone", "Mars/Olympus_Mons", "2025-01-15T09:15:00Z", 4, 4, 2, {}, {}},
};

// The key history, knowing nothing from 3 days before the gap on (so the
// level beside the gap is unknown and the means stay unscaled; the level
// has its own tests) nor the ends in `missing`.
GapContext KeyHistory(const std::string& zone, const Gap& gap,
                      const std::vector<const char*>& missing) {
  std::set<int64_t> unknown;
  for (const char* m : missing) unknown.insert(Utc(m));
  const int64_t recent = gap.first_end_ms - 3 * 86'400'000;
  GapContext context;
  context.timezone = zone;
  // An unknown zone never reaches the history (the method refuses first).
  context.history = [zone, unknown, recent](int64_t end_ms) -> std::optional<double> {
    if (end_ms >= recent || unknown.count(end_ms)) return std::nullopt;
    return LocalKey(zone, end_ms);
  };
  return context;
}

TEST(EstimateSimilarDay, SameWeekdaySameWallClockTime) {
  for (const SimilarDayCase& c : kSimilarDayCases) {
    SCOPED_TRACE(c.name);
    const Gap gap = QuarterHours(c.first_end, c.count);
    const std::optional<Estimate> e =
        EstimateSimilarDay(gap, KeyHistory(c.zone, gap, c.missing), c.weeks, c.min_days);
    ASSERT_EQ(e.has_value(), !c.days_back.empty());
    if (!e) continue;
    EXPECT_EQ(e->method, RuleId::kSimilarDay);
    ASSERT_EQ(e->kwh.size(), size_t(c.count));
    for (int i = 0; i < c.count; ++i) {
      const double back = c.days_back.size() == 1 ? c.days_back[0] : c.days_back[i];
      EXPECT_NEAR(e->kwh[i], LocalKey(c.zone, gap.EndMs(i)) - back, 1e-9) << "interval " << i;
    }
  }
}

TEST(EstimateSimilarDay, RepeatedWallClockHourTakesTheEarlierInstant) {
  // 2025-11-02 02:00-02:15 CET; on 2025-10-26 that wall time began at
  // 00:00Z (CEST) and again at 01:00Z (CET).
  GapContext context;
  context.history = [](int64_t end_ms) -> std::optional<double> {
    if (end_ms == Utc("2025-10-26T00:15:00Z")) return 5.0;
    if (end_ms == Utc("2025-10-26T01:15:00Z")) return 7.0;
    return std::nullopt;
  };
  const std::optional<Estimate> e =
      EstimateSimilarDay(QuarterHours("2025-11-02T01:15:00Z", 1), context, 1, 1);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kwh, std::vector<double>{5.0});
}

TEST(EstimateSimilarDay, NoHistoryNoEstimate) {
  const Gap gap = QuarterHours("2025-01-15T09:15:00Z", 4);
  EXPECT_FALSE(EstimateSimilarDay(gap, GapContext{}, 4, 2).has_value());
  GapContext nothing_known;
  nothing_known.history = [](int64_t) -> std::optional<double> { return std::nullopt; };
  EXPECT_FALSE(EstimateSimilarDay(gap, nothing_known, 4, 0).has_value());
}

struct LevelCase {
  const char* name;
  double beside;       // measured in the day before and the day after the gap
  double known_hours;  // how much of those two days is known, from the gap outwards
  double expected;     // the weeks before all measured 1.0
};

const LevelCase kLevelCases[] = {
    {"ScaledToTheLevelBesideTheGap", 1.1, 48, 1.1},
    {"LowerLevel", 0.9, 48, 0.9},
    {"HalfOfTheDaysKnownIsEnough", 1.1, 24, 1.1},
    {"LessThanHalfIsNoScaling", 1.1, 23.75, 1.0},
    {"BoundedAbove", 3.0, 48, 1.25},
    {"BoundedBelow", 0.1, 48, 0.8},
};

TEST(EstimateSimilarDay, ScaledByTheLevelBesideTheGap) {
  const Gap gap = QuarterHours("2025-01-15T09:15:00Z", 8);  // 10:00-12:00 CET
  for (const LevelCase& c : kLevelCases) {
    SCOPED_TRACE(c.name);
    // Known: the nearest known_hours / 2 on each side of the gap.
    const int64_t side_ms = int64_t(c.known_hours / 2 * 3'600'000);
    const int64_t from = gap.EndMs(-1) - side_ms, to = gap.EndMs(gap.count - 1) + side_ms;
    GapContext context;
    context.history = [&](int64_t end_ms) -> std::optional<double> {
      if (end_ms < gap.EndMs(-1) - 86'400'000) return 1.0;  // the weeks before
      if (end_ms > from && end_ms <= to && (end_ms < gap.EndMs(0) || end_ms > gap.EndMs(7))) {
        return c.beside;
      }
      return std::nullopt;
    };
    const std::optional<Estimate> e = EstimateSimilarDay(gap, context, 4, 2);
    ASSERT_TRUE(e.has_value());
    for (double v : e->kwh) EXPECT_NEAR(v, c.expected, 1e-12);
  }
}

// --------------------------------------------------------------- profile

const reference::LoadProfile& H0() { return *reference::LoadProfile::Find("H0"); }

GapContext ProfileContext(std::string profile, double annual_kwh) {
  GapContext context;
  context.load_profile = std::move(profile);
  context.annual_kwh = annual_kwh;
  return context;
}

struct ProfileDayCase {
  const char* name;
  date::year_month_day day;
  const char* first_end;  // local midnight + 15 min, in UTC
  int count;
  std::vector<int> slots;  // the local quarter hours, in order
};

std::vector<int> Slots(std::initializer_list<std::pair<int, int>> ranges) {
  std::vector<int> out;
  for (auto [from, to] : ranges) {
    for (int s = from; s <= to; ++s) out.push_back(s);
  }
  return out;
}

const ProfileDayCase kProfileDays[] = {
    {"WinterWednesday", date::year(2025) / 1 / 15, "2025-01-14T23:15:00Z", 96, Slots({{0, 95}})},
    {"SpringForwardSkipsSlots8To11", date::year(2025) / 3 / 30, "2025-03-29T23:15:00Z", 92,
     Slots({{0, 7}, {12, 95}})},
    {"FallBackRepeatsSlots8To11", date::year(2025) / 10 / 26, "2025-10-25T22:15:00Z", 100,
     Slots({{0, 11}, {8, 95}})},
};

TEST(EstimateProfile, H0LocalDayIsTheTableScaled) {
  for (const ProfileDayCase& c : kProfileDays) {
    SCOPED_TRACE(c.name);
    const std::optional<Estimate> e =
        EstimateProfile(QuarterHours(c.first_end, c.count), ProfileContext("H0", 3500));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->method, RuleId::kProfile);
    ASSERT_EQ(e->kwh.size(), c.slots.size());
    for (size_t i = 0; i < c.slots.size(); ++i) {
      EXPECT_EQ(e->kwh[i], H0().QuarterHourKwh(c.day, c.slots[i], 3500)) << "interval " << i;
    }
  }
}

TEST(EstimateProfile, OtherIntervalLengthsTakeTheirShareOfQuarterHours) {
  const date::year_month_day day = date::year(2025) / 1 / 15;
  const GapContext context = ProfileContext("H0", 3000);
  // 18:00-19:00 CET as one hourly interval: slots 72-75.
  const std::optional<Estimate> hour =
      EstimateProfile(Gap{Utc("2025-01-15T18:00:00Z"), 1, 3600}, context);
  ASSERT_TRUE(hour.has_value());
  double slots = 0;
  for (int s = 72; s < 76; ++s) slots += H0().QuarterHourKwh(day, s, 3000);
  EXPECT_NEAR(hour->kwh[0], slots, 1e-15);
  // 18:05-18:10 CET: a third of slot 72.
  const std::optional<Estimate> five =
      EstimateProfile(Gap{Utc("2025-01-15T17:10:00Z"), 1, 300}, context);
  ASSERT_TRUE(five.has_value());
  EXPECT_NEAR(five->kwh[0], H0().QuarterHourKwh(day, 72, 3000) / 3, 1e-15);
}

TEST(EstimateProfile, ALocalYearAddsUpToTheAnnualEnergy) {
  // 2025 in Berlin: 35,040 quarter hours; the DST skip and repeat nearly
  // cancel (reference/load_profile.h: under 0.01%).
  const std::optional<Estimate> e =
      EstimateProfile(QuarterHours("2024-12-31T23:15:00Z", 35040), ProfileContext("H0", 4000));
  ASSERT_TRUE(e.has_value());
  EXPECT_NEAR(Sum(e->kwh), 4000, 0.4);
}

TEST(EstimateProfile, NothingToScaleNoEstimate) {
  const Gap gap = QuarterHours("2025-01-15T09:15:00Z", 4);
  EXPECT_FALSE(EstimateProfile(gap, ProfileContext("", 3000)).has_value());
  EXPECT_FALSE(EstimateProfile(gap, ProfileContext("X9", 3000)).has_value());
  EXPECT_FALSE(EstimateProfile(gap, ProfileContext("H0", 0)).has_value());
  GapContext unknown_zone = ProfileContext("H0", 3000);
  unknown_zone.timezone = "Nowhere/Special";
  EXPECT_FALSE(EstimateProfile(gap, unknown_zone).has_value());
  EXPECT_FALSE(EstimateProfile(QuarterHours("2025-01-15T09:15:00Z", 0), ProfileContext("H0", 3000))
                   .has_value());
}

// ------------------------------------------------------- register spread

struct SpreadCase {
  const char* name;
  std::optional<double> start, end;
  int count;
  std::vector<double> shape;
  std::optional<std::vector<double>> expected;
};

const SpreadCase kSpreadCases[] = {
    {"FlatWithoutShape", 100, 103, 3, {}, std::vector<double>{1, 1, 1}},
    {"FollowsTheShape", 100, 104, 4, {1, 3, 0, 0}, std::vector<double>{1, 3, 0, 0}},
    {"ShapeIsOnlyProportions", 10, 12, 2, {0.25, 0.75}, std::vector<double>{0.5, 1.5}},
    {"WrongSizeIsFlat", 0, 2, 2, {1, 2, 3}, std::vector<double>{1, 1}},
    {"ZeroShapeIsFlat", 0, 3, 3, {0, 0, 0}, std::vector<double>{1, 1, 1}},
    {"NegativeShapeCountsAsZero", 0, 2, 2, {-1, 1}, std::vector<double>{0, 2}},
    {"NoConsumption", 5, 5, 2, {1, 1}, std::vector<double>{0, 0}},
    {"RegisterWentBackwards", 100, 99.5, 2, {}, std::nullopt},
    {"NoStartRegister", std::nullopt, 99.5, 2, {}, std::nullopt},
    {"NoEndRegister", 100, std::nullopt, 2, {}, std::nullopt},
};

TEST(EstimateRegisterSpread, TheRegisterDifferenceInTheShapesProportions) {
  for (const SpreadCase& c : kSpreadCases) {
    SCOPED_TRACE(c.name);
    GapContext context;
    context.register_start_kwh = c.start;
    context.register_end_kwh = c.end;
    const std::optional<Estimate> e =
        EstimateRegisterSpread(QuarterHours("2025-01-15T09:15:00Z", c.count), context, c.shape);
    ASSERT_EQ(e.has_value(), c.expected.has_value());
    if (!e) continue;
    EXPECT_EQ(e->method, RuleId::kRegisterSpread);
    ASSERT_EQ(e->kwh.size(), c.expected->size());
    for (size_t i = 0; i < e->kwh.size(); ++i) EXPECT_NEAR(e->kwh[i], (*c.expected)[i], 1e-12);
  }
}

TEST(EstimateRegisterSpread, SumsToTheRegisterDifferenceExactly) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int trial = 0; trial < 500; ++trial) {
    const int count = 1 + int(rng() % 300);
    std::vector<double> shape(count);
    for (double& s : shape) s = unit(rng) * unit(rng) * 3;
    GapContext context;
    context.register_start_kwh = std::round(unit(rng) * 99'999'999) / 1000;  // 8 digits, Wh
    context.register_end_kwh = *context.register_start_kwh + std::round(unit(rng) * 50'000) / 1000;
    const std::optional<Estimate> e =
        EstimateRegisterSpread(QuarterHours("2025-01-15T09:15:00Z", count), context, shape);
    ASSERT_TRUE(e.has_value());
    const double total = *context.register_end_kwh - *context.register_start_kwh;
    EXPECT_DOUBLE_EQ(Sum(e->kwh), total) << "trial " << trial;
    for (double v : e->kwh) EXPECT_GE(v, 0);
  }
}

// ---------------------------------------------------------- EstimateGap

// What a case knows around its gap; every known thing differs from the
// others so the chosen method shows in the values.
struct Known {
  bool registers = false;
  double register_diff = 0;
  bool neighbours = false;
  bool history = false;
  bool profile = false;
};

struct GapCase {
  const char* name;
  int count;  // quarter hours from 2025-01-15T06:00Z
  Known known;
  RuleId method;  // kNone: expect nullopt
  RuleId shape;   // for a spread: the method whose proportions it follows (kNone: flat)
  bool estimate = true;
};

const GapCase kGapCases[] = {
    {"RegistersWinShapedByLinear",
     4,
     {true, 2, true, true, true},
     RuleId::kRegisterSpread,
     RuleId::kLinear},
    {"RegistersShapedBySimilarDayOverTheLinearLimit",
     16,
     {true, 2, true, true, true},
     RuleId::kRegisterSpread,
     RuleId::kSimilarDay},
    {"RegistersShapedByProfileWithoutHistory",
     16,
     {true, 2, true, false, true},
     RuleId::kRegisterSpread,
     RuleId::kProfile},
    {"RegistersFlatForALongGapWithOnlyNeighbours",
     16,
     {true, 2, true, false, false},
     RuleId::kRegisterSpread,
     RuleId::kNone},
    {"RegistersFlatWithNothingElse",
     4,
     {true, 2, false, false, false},
     RuleId::kRegisterSpread,
     RuleId::kNone},
    {"ShortGapIsLinear", 4, {false, 0, true, true, true}, RuleId::kLinear, RuleId::kNone},
    {"TheLinearLimitItselfIsLinear",
     8,
     {false, 0, true, true, true},
     RuleId::kLinear,
     RuleId::kNone},
    {"OverTheLinearLimitIsSimilarDay",
     9,
     {false, 0, true, true, true},
     RuleId::kSimilarDay,
     RuleId::kNone},
    {"ShortGapWithoutNeighboursIsSimilarDay",
     4,
     {false, 0, false, true, true},
     RuleId::kSimilarDay,
     RuleId::kNone},
    {"DayGapWithoutHistoryIsProfile",
     96,
     {false, 0, true, false, true},
     RuleId::kProfile,
     RuleId::kNone},
    {"DayGapWithOnlyNeighboursStaysMissing",
     96,
     {false, 0, true, false, false},
     RuleId::kNone,
     RuleId::kNone},
    {"RegisterWentBackwardsFallsBackToLinear",
     4,
     {true, -1, true, false, false},
     RuleId::kLinear,
     RuleId::kNone},
    {"NothingKnown", 4, {}, RuleId::kNone, RuleId::kNone},
    {"ThirtyOneDaysIsEstimated",
     31 * 96,
     {true, 500, false, false, false},
     RuleId::kRegisterSpread,
     RuleId::kNone},
    {"LongerThanMaxDaysIsNot",
     31 * 96 + 1,
     {true, 500, true, true, true},
     RuleId::kNone,
     RuleId::kNone},
    {"EstimationSwitchedOff", 4, {true, 2, true, true, true}, RuleId::kNone, RuleId::kNone, false},
};

GapContext ContextOf(const Known& known) {
  GapContext context;
  if (known.registers) {
    context.register_start_kwh = 1000;
    context.register_end_kwh = 1000 + known.register_diff;
  }
  if (known.neighbours) {
    context.before_kwh = 0.2;
    context.after_kwh = 0.6;
  }
  if (known.history) {
    // A pattern with a period of an hour: not flat, not a line, not H0.
    context.history = [](int64_t end_ms) -> std::optional<double> {
      return 0.1 * double(1 + end_ms / kQuarterMs % 4);
    };
  }
  if (known.profile) {
    context.load_profile = "H0";
    context.annual_kwh = 3000;
  }
  return context;
}

// The values method `method` gives on its own (for kNone: flat ones).
std::vector<double> MethodValues(RuleId method, const Gap& gap, const GapContext& context,
                                 const RuleSet& rules) {
  std::optional<Estimate> e;
  if (method == RuleId::kLinear) e = EstimateLinear(gap, context);
  if (method == RuleId::kSimilarDay) {
    e = EstimateSimilarDay(gap, context, rules.similar_day_weeks, rules.similar_day_min_days);
  }
  if (method == RuleId::kProfile) e = EstimateProfile(gap, context);
  EXPECT_TRUE(e.has_value() || method == RuleId::kNone);
  return e ? e->kwh : std::vector<double>(size_t(gap.count), 1.0);
}

TEST(EstimateGap, PrecedenceOfTheMethods) {
  for (const GapCase& c : kGapCases) {
    SCOPED_TRACE(c.name);
    RuleSet rules;
    rules.estimate = c.estimate;
    const Gap gap = QuarterHours("2025-01-15T06:00:00Z", c.count);
    const GapContext context = ContextOf(c.known);
    const std::optional<Estimate> e = EstimateGap(gap, context, rules);
    ASSERT_EQ(e.has_value(), c.method != RuleId::kNone);
    if (!e) continue;
    EXPECT_EQ(e->method, c.method);
    ASSERT_EQ(e->kwh.size(), size_t(c.count));
    const bool spread = c.method == RuleId::kRegisterSpread;
    std::vector<double> expected = MethodValues(spread ? c.shape : c.method, gap, context, rules);
    if (spread) {
      const double scale = c.known.register_diff / Sum(expected);
      for (double& v : expected) v *= scale;
    }
    for (int i = 0; i < c.count; ++i) EXPECT_NEAR(e->kwh[i], expected[i], 1e-9) << "interval " << i;
  }
}

}  // namespace
}  // namespace metrify::vee
