#include "reference/load_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "model/meter.h"

namespace metrify::reference {
namespace {

using date::year;
using date::year_month_day;

year_month_day Day(int y, unsigned m, unsigned d) {
  return year(y) / date::month(m) / date::day(d);
}

const LoadProfile& Profile(const char* name) {
  const LoadProfile* profile = LoadProfile::Find(name);
  EXPECT_NE(profile, nullptr) << name;
  return profile != nullptr ? *profile : *LoadProfile::All().front();
}

// Calls f(day) for every day of `y`.
template <typename F>
void ForEachDay(int y, F f) {
  for (date::sys_days d{year(y) / 1 / 1}; d < date::sys_days{year(y + 1) / 1 / 1};
       d += date::days(1)) {
    f(year_month_day(d));
  }
}

double RawYearSum(const LoadProfile& profile, int y) {
  double sum = 0;
  ForEachDay(y, [&](year_month_day day) {
    for (int slot = 0; slot < kQuarterHoursPerDay; ++slot) {
      sum += profile.RawQuarterHourKwh(day, slot);
    }
  });
  return sum;
}

TEST(LoadProfile, RegistryMatchesTheMetersKnownProfiles) {
  const std::vector<std::string>& known = model::KnownLoadProfiles();
  ASSERT_EQ(LoadProfile::All().size(), known.size());
  for (size_t i = 0; i < known.size(); ++i) {
    EXPECT_EQ(LoadProfile::All()[i]->name(), known[i]);
    EXPECT_EQ(LoadProfile::Find(known[i]), LoadProfile::All()[i]);
  }
}

TEST(LoadProfile, FindIgnoresCaseAndRejectsUnknownNames) {
  EXPECT_EQ(LoadProfile::Find("h25"), LoadProfile::Find("H25"));
  EXPECT_EQ(LoadProfile::Find("H1"), nullptr);
  EXPECT_EQ(LoadProfile::Find(""), nullptr);
  EXPECT_EQ(LoadProfile::Find("H0 "), nullptr);
  EXPECT_TRUE(Profile("H0").dynamised());
  EXPECT_FALSE(Profile("G0").dynamised());
  EXPECT_FALSE(Profile("H25").dynamised());
}

// Values read off the CSV files by hand. 1999 file
// (reference-data/bdew/slp1999_h0_g_l.csv): kW per 1,000 kWh/a, so
// kWh per quarter-hour per kWh/a = value * 0.25 / 1000.
TEST(LoadProfile, RawValuesMatchThe1999Table) {
  constexpr double k = 0.25 / 1000;
  // Line 746 "2007-01-08 18:00:00,winter,1,...": column g0 0.190760. Monday
  // 13 January 2025 is a winter working day; 18:00 is slot 72.
  EXPECT_DOUBLE_EQ(Profile("G0").RawQuarterHourKwh(Day(2025, 1, 13), 72), 0.190760 * k);
  // Same line, column h0 0.152360, times F(13) = 1.2561.
  EXPECT_DOUBLE_EQ(Profile("H0").RawQuarterHourKwh(Day(2025, 1, 13), 72), 0.152360 * k * 1.2561);
  // Line 530 "2007-01-06 12:00:00,summer,6,...": column g1 0.042840. Saturday
  // 14 June 2025, 12:00 (slot 48).
  EXPECT_DOUBLE_EQ(Profile("G1").RawQuarterHourKwh(Day(2025, 6, 14), 48), 0.042840 * k);
  // Line 1951 "2007-01-21 07:15:00,transition,7,...": column l0 0.136320.
  // Sunday 6 April 2025, 07:15 (slot 29); Easter Monday 2025 reads the same.
  EXPECT_DOUBLE_EQ(Profile("L0").RawQuarterHourKwh(Day(2025, 4, 6), 29), 0.136320 * k);
  EXPECT_DOUBLE_EQ(Profile("L0").RawQuarterHourKwh(Day(2025, 4, 21), 29), 0.136320 * k);
}

// 2025 files: kWh per quarter-hour per 1,000,000 kWh/a. Column 36 is
// Dezember/FT, column 35 Dezember/SA, column 17 Juni/SA, column 21 Juli/FT.
TEST(LoadProfile, RawValuesMatchThe2025Tables) {
  constexpr double k = 1e-6;
  // h25.csv line 75 "18:00-18:15": column 36 43.776. Christmas Day 2025.
  EXPECT_DOUBLE_EQ(Profile("H25").RawQuarterHourKwh(Day(2025, 12, 25), 72), 43.776 * k);
  // h25.csv line 3 "00:00-00:15": column 4 (Januar/WT) 20.126.
  EXPECT_DOUBLE_EQ(Profile("H25").RawQuarterHourKwh(Day(2025, 1, 2), 0), 20.126 * k);
  // p25.csv line 51 "12:00-12:15": column 17 7.362. Saturday 14 June 2025.
  EXPECT_DOUBLE_EQ(Profile("P25").RawQuarterHourKwh(Day(2025, 6, 14), 48), 7.362 * k);
  // s25.csv line 55 "13:00-13:15": column 21 3.895. Sunday 6 July 2025.
  EXPECT_DOUBLE_EQ(Profile("S25").RawQuarterHourKwh(Day(2025, 7, 6), 52), 3.895 * k);
  // Christmas Eve reads the Saturday column: h25.csv line 75, column 35.
  EXPECT_DOUBLE_EQ(Profile("H25").RawQuarterHourKwh(Day(2025, 12, 24), 72),
                   Profile("H25").RawQuarterHourKwh(Day(2025, 12, 27), 72));
}

TEST(LoadProfile, SeasonsOfThe1999Profiles) {
  EXPECT_EQ(SeasonOf(Day(2025, 3, 20)), Season::kWinter);
  EXPECT_EQ(SeasonOf(Day(2025, 3, 21)), Season::kTransition);
  EXPECT_EQ(SeasonOf(Day(2025, 5, 14)), Season::kTransition);
  EXPECT_EQ(SeasonOf(Day(2025, 5, 15)), Season::kSummer);
  EXPECT_EQ(SeasonOf(Day(2025, 9, 14)), Season::kSummer);
  EXPECT_EQ(SeasonOf(Day(2025, 9, 15)), Season::kTransition);
  EXPECT_EQ(SeasonOf(Day(2025, 10, 31)), Season::kTransition);
  EXPECT_EQ(SeasonOf(Day(2025, 11, 1)), Season::kWinter);
}

TEST(LoadProfile, DynamisationFactorIsRoundedToFourDecimals) {
  EXPECT_DOUBLE_EQ(DynamisationFactor(1), 1.2420);
  EXPECT_DOUBLE_EQ(DynamisationFactor(13), 1.2561);
  EXPECT_DOUBLE_EQ(DynamisationFactor(196), 0.7857);
  EXPECT_DOUBLE_EQ(DynamisationFactor(201), 0.7847);
  EXPECT_DOUBLE_EQ(DynamisationFactor(366), 1.2597);
}

// The winter working-day evening peak of H0 is well above the summer one:
// the winter curve is higher and the dynamisation (1.26 in January, 0.79 in
// July) widens the gap.
TEST(LoadProfile, H0WinterEveningPeakAboveSummer) {
  const LoadProfile& h0 = Profile("H0");
  std::array<double, kQuarterHoursPerDay> winter{}, summer{};
  h0.DayKwh(Day(2025, 1, 15), 3500, winter);  // Wednesday
  h0.DayKwh(Day(2025, 7, 16), 3500, summer);  // Wednesday
  // 17:00-21:00 (slots 68-83).
  const double winter_peak = *std::max_element(winter.begin() + 68, winter.begin() + 84);
  const double summer_peak = *std::max_element(summer.begin() + 68, summer.begin() + 84);
  EXPECT_GT(winter_peak, 1.5 * summer_peak);
  // The same day type and season, 13 and 15 January, differ by F(t) only.
  EXPECT_DOUBLE_EQ(h0.RawQuarterHourKwh(Day(2025, 1, 15), 72) / DynamisationFactor(15),
                   h0.RawQuarterHourKwh(Day(2025, 1, 13), 72) / DynamisationFactor(13));
  // G0 has no dynamisation: the same curve on both days.
  EXPECT_EQ(Profile("G0").RawQuarterHourKwh(Day(2025, 1, 15), 72),
            Profile("G0").RawQuarterHourKwh(Day(2025, 1, 13), 72));
}

// Raw sums of the published values over each year (kWh per kWh/a), computed
// independently with a Python script over the CSV files and the same
// calendar; docs/reference-data.md lists them. The consumption profiles are
// within 1.3% of 1; P25 and S25 are net of own generation and sum lower.
struct RawSum {
  const char* profile;
  double y2024;
  double y2025;
};
constexpr RawSum kRawSums[] = {
    {"H0", 1.002115, 0.998825},  {"G0", 1.007654, 1.004621},  {"G1", 1.012345, 1.009088},
    {"G2", 1.004784, 1.001748},  {"G3", 1.004482, 1.001527},  {"G4", 1.007493, 1.004532},
    {"G5", 1.008263, 1.005252},  {"G6", 1.000441, 0.997494},  {"L0", 1.002831, 0.999935},
    {"L1", 1.004594, 1.001662},  {"L2", 1.002789, 0.999959},  {"H25", 1.005656, 1.003246},
    {"G25", 1.003430, 1.000347}, {"L25", 1.003132, 1.000216}, {"P25", 0.952198, 0.949098},
    {"S25", 0.891901, 0.888113},
};

TEST(LoadProfile, RawYearSumsNearTheNominalTotal) {
  for (const RawSum& expected : kRawSums) {
    const LoadProfile& profile = Profile(expected.profile);
    const double sum2024 = RawYearSum(profile, 2024);
    const double sum2025 = RawYearSum(profile, 2025);
    EXPECT_NEAR(sum2024, expected.y2024, 1e-6) << expected.profile;
    EXPECT_NEAR(sum2025, expected.y2025, 1e-6) << expected.profile;
    const std::string name = expected.profile;
    const bool net = name == "P25" || name == "S25";
    EXPECT_NEAR(sum2025, net ? 0.92 : 1.0, net ? 0.04 : 0.015) << expected.profile;
    EXPECT_NEAR(profile.YearFactor(2024) * sum2024, 1.0, 1e-12) << expected.profile;
  }
}

TEST(LoadProfile, NormalisedYearSumsEqualTheAnnualConsumption) {
  constexpr double kAnnualKwh = 3500;
  for (const LoadProfile* profile : LoadProfile::All()) {
    for (int y : {2024, 2025}) {
      double sum = 0;
      int days = 0;
      ForEachDay(y, [&](year_month_day day) {
        ++days;
        for (int slot = 0; slot < kQuarterHoursPerDay; ++slot) {
          sum += profile->QuarterHourKwh(day, slot, kAnnualKwh);
        }
      });
      EXPECT_EQ(days, y == 2024 ? 366 : 365);
      EXPECT_NEAR(sum, kAnnualKwh, kAnnualKwh * 1e-9) << profile->name() << " " << y;
    }
  }
}

TEST(LoadProfile, QuarterHourIsRawTimesYearFactor) {
  const LoadProfile& h0 = Profile("H0");
  const year_month_day day = Day(2024, 2, 29);
  std::array<double, kQuarterHoursPerDay> all{};
  h0.DayKwh(day, 4000, all);
  for (int slot = 0; slot < kQuarterHoursPerDay; ++slot) {
    const double expected = h0.RawQuarterHourKwh(day, slot) * h0.YearFactor(2024) * 4000;
    EXPECT_NEAR(h0.QuarterHourKwh(day, slot, 4000), expected, expected * 1e-12) << slot;
    EXPECT_EQ(all[slot], h0.QuarterHourKwh(day, slot, 4000)) << slot;
  }
}

TEST(LoadProfile, YearsOutsideTheCacheWork) {
  const LoadProfile& g0 = Profile("G0");
  EXPECT_NEAR(g0.YearFactor(1850) * RawYearSum(g0, 1850), 1.0, 1e-12);
  EXPECT_NEAR(g0.YearFactor(2300) * RawYearSum(g0, 2300), 1.0, 1e-12);
}

TEST(LoadProfile, YearTablesAreSharedAcrossThreads) {
  const LoadProfile& h25 = Profile("H25");
  std::vector<double> factors(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < factors.size(); ++i) {
    threads.emplace_back([&, i] { factors[i] = h25.YearFactor(2031); });
  }
  for (std::thread& t : threads) t.join();
  for (double f : factors) EXPECT_EQ(f, factors[0]);
  EXPECT_NEAR(factors[0] * RawYearSum(h25, 2031), 1.0, 1e-12);
}

}  // namespace
}  // namespace metrify::reference
