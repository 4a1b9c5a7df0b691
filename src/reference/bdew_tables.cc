// Reads the BDEW CSV files of reference-data/bdew/ (docs/reference-data.md).
#include "reference/bdew_tables.h"

#include <fmt/format.h>
#include <bitset>
#include <cmath>
#include <string_view>

#include "common/strings.h"
#include "reference/embedded.h"
#include "reference/embedded_csv.h"

namespace metrify::reference {
namespace {

using SlotsSeen = std::bitset<kQuarterHoursPerDay>;

constexpr int kCurves1999 = 3 * kDayTypeCount;
constexpr int kCurves2025 = 12 * kDayTypeCount;

// The 1999 file holds average power in kW for 1,000 kWh a year; a quarter of
// an hour at that power is value * 0.25 kWh, per 1,000 kWh.
constexpr double kPer1999Value = 0.25 / 1000.0;
// The 2025 files hold kWh per quarter-hour for 1,000,000 kWh a year.
constexpr double kPer2025Value = 1.0 / 1e6;

// "HH:MM" at the start of `text` as a slot 0-95, or -1.
int ParseSlot(std::string_view text) {
  if (text.size() < 5 || text[2] != ':') return -1;
  const std::optional<long long> hour = ParseInt(text.substr(0, 2));
  const std::optional<long long> minute = ParseInt(text.substr(3, 2));
  if (!hour || !minute || *hour < 0 || *hour > 23 || *minute < 0 || *minute % 15 != 0 ||
      *minute > 45) {
    return -1;
  }
  return static_cast<int>(*hour * 4 + *minute / 15);
}

int ParseSeason(const EmbeddedCsv& csv, std::string_view text) {
  if (text == "winter") return static_cast<int>(Season::kWinter);
  if (text == "transition") return static_cast<int>(Season::kTransition);
  if (text == "summer") return static_cast<int>(Season::kSummer);
  csv.Fail(fmt::format("unknown period \"{}\"", text));
}

// The 1999 file has 7 days per season; Monday to Friday (1-5) are the same
// working-day curve, which is checked, and 7 is Sunday or holiday.
DayType ParseWeekday(const EmbeddedCsv& csv, int weekday) {
  if (weekday >= 1 && weekday <= 5) return DayType::kWorkday;
  if (weekday == 6) return DayType::kSaturday;
  if (weekday == 7) return DayType::kSundayHoliday;
  csv.Fail(fmt::format("weekday {} is not 1-7", weekday));
}

// Columns: timestamp (only its time of day is used), period, weekday, then
// one column per profile: ,period,weekday,h0,g0,...,l2.
void Parse1999(std::vector<ProfileTable>* tables) {
  EmbeddedCsv csv(embedded::kBdewSlp1999, "bdew/slp1999_h0_g_l.csv");
  if (!csv.Next() || csv.fields().size() < 4) csv.Fail("no header");
  const size_t first = tables->size();
  for (size_t i = 3; i < csv.fields().size(); ++i) {
    const std::string name = ToUpper(csv.fields()[i]);
    tables->push_back(
        {name, ProfileFamily::kBdew1999, name == "H0", std::vector<DayCurve>(kCurves1999)});
  }
  const size_t columns = csv.fields().size();
  std::vector<SlotsSeen> seen(kCurves1999);
  while (csv.Next()) {
    csv.ExpectFields(columns);
    const std::string_view stamp = csv.fields()[0];
    const int slot = ParseSlot(stamp.size() > 11 ? stamp.substr(11) : "");
    if (slot < 0) csv.Fail(fmt::format("no time of day in \"{}\"", stamp));
    const int weekday = static_cast<int>(csv.Number(2));
    const int curve = ParseSeason(csv, csv.fields()[1]) * kDayTypeCount +
                      static_cast<int>(ParseWeekday(csv, weekday));
    const bool repeat = weekday >= 2 && weekday <= 5;
    if (repeat != seen[curve][slot]) csv.Fail("weekday 1 must come first and only once");
    seen[curve][slot] = true;
    for (size_t i = 3; i < columns; ++i) {
      double& value = (*tables)[first + i - 3].curves[curve][slot];
      const double parsed = csv.Number(i) * kPer1999Value;
      if (repeat && parsed != value) csv.Fail("working days differ from Monday");
      value = parsed;
    }
  }
  for (const SlotsSeen& s : seen) {
    if (!s.all()) csv.Fail("a season and day type lacks quarter-hours");
  }
}

int ParseMonth(const EmbeddedCsv& csv, std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Januar",    "Februar", "März",     "April",
                                                 "Mai",       "Juni",    "Juli",     "August",
                                                 "September", "Oktober", "November", "Dezember"};
  for (int m = 0; m < 12; ++m) {
    if (name == kMonths[m]) return m;
  }
  csv.Fail(fmt::format("unknown month \"{}\"", name));
}

DayType ParseDayType(const EmbeddedCsv& csv, std::string_view code) {
  for (DayType t : {DayType::kWorkday, DayType::kSaturday, DayType::kSundayHoliday}) {
    if (code == BdewCode(t)) return t;
  }
  csv.Fail(fmt::format("unknown day type \"{}\"", code));
}

// Row 1 names the month of each column, row 2 its day type; then one row per
// quarter-hour, "00:00-00:15" first.
ProfileTable Parse2025(std::string_view frame, std::string_view file, std::string name) {
  EmbeddedCsv csv(frame, file);
  constexpr size_t kColumns = 1 + kCurves2025;
  std::vector<int> column_curve(kColumns, 0);
  if (!csv.Next()) csv.Fail("no month row");
  csv.ExpectFields(kColumns);
  for (size_t c = 1; c < kColumns; ++c) column_curve[c] = ParseMonth(csv, csv.fields()[c]);
  if (!csv.Next()) csv.Fail("no day type row");
  csv.ExpectFields(kColumns);
  std::bitset<kCurves2025> columns_seen;
  for (size_t c = 1; c < kColumns; ++c) {
    int& curve = column_curve[c];
    curve = curve * kDayTypeCount + static_cast<int>(ParseDayType(csv, csv.fields()[c]));
    if (columns_seen[curve]) csv.Fail("a month and day type has two columns");
    columns_seen[curve] = true;
  }
  ProfileTable table{std::move(name), ProfileFamily::kBdew2025, false,
                     std::vector<DayCurve>(kCurves2025)};
  SlotsSeen seen;
  while (csv.Next()) {
    csv.ExpectFields(kColumns);
    const int slot = ParseSlot(csv.fields()[0]);
    if (slot < 0 || seen[slot]) csv.Fail("bad or repeated quarter-hour");
    seen[slot] = true;
    for (size_t c = 1; c < kColumns; ++c) {
      table.curves[column_curve[c]][slot] = csv.Number(c) * kPer2025Value;
    }
  }
  if (!seen.all()) csv.Fail("quarter-hours missing");
  return table;
}

std::vector<ProfileTable> ParseAll() {
  std::vector<ProfileTable> tables;
  Parse1999(&tables);
  tables.push_back(Parse2025(embedded::kBdewH25, "bdew/h25.csv", "H25"));
  tables.push_back(Parse2025(embedded::kBdewG25, "bdew/g25.csv", "G25"));
  tables.push_back(Parse2025(embedded::kBdewL25, "bdew/l25.csv", "L25"));
  tables.push_back(Parse2025(embedded::kBdewP25, "bdew/p25.csv", "P25"));
  tables.push_back(Parse2025(embedded::kBdewS25, "bdew/s25.csv", "S25"));
  return tables;
}

}  // namespace

Season SeasonOf(date::year_month_day day) {
  const unsigned m = static_cast<unsigned>(day.month());
  const unsigned d = static_cast<unsigned>(day.day());
  if (m <= 2 || m >= 11 || (m == 3 && d <= 20)) return Season::kWinter;
  if ((m == 5 && d >= 15) || (m >= 6 && m <= 8) || (m == 9 && d <= 14)) return Season::kSummer;
  return Season::kTransition;
}

int CurveIndex(ProfileFamily family, date::year_month_day day) {
  const int type = static_cast<int>(DayTypeOf(day));
  if (family == ProfileFamily::kBdew1999) {
    return static_cast<int>(SeasonOf(day)) * kDayTypeCount + type;
  }
  return (static_cast<int>(static_cast<unsigned>(day.month())) - 1) * kDayTypeCount + type;
}

double DynamisationFactor(int day_of_year) {
  const double t = day_of_year;
  const double f = (((-3.92e-10 * t + 3.2e-7) * t - 7.02e-5) * t + 2.1e-3) * t + 1.24;
  return std::round(f * 1e4) / 1e4;
}

int DayOfYear(date::year_month_day day) {
  const date::sys_days first{day.year() / date::January / 1};
  return (date::sys_days{day} - first).count() + 1;
}

const std::vector<ProfileTable>& BdewTables() {
  static const std::vector<ProfileTable> kTables = ParseAll();
  return kTables;
}

}  // namespace metrify::reference
