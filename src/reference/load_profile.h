// BDEW standard load profiles: how a customer's annual electricity
// consumption spreads over the quarter-hours of a year. The fleet simulator
// draws realistic load from them; VEE estimates missing intervals with them.
//
// Profiles (model::KnownLoadProfiles() lists the same names):
//   H0, G0-G6, L0-L2  the 1999 profiles (household, commerce, agriculture):
//                     one curve per season (winter 1 Nov-20 Mar, summer
//                     15 May-14 Sep, transition otherwise) and day type. H0 is
//                     scaled per day by BDEW's dynamisation factor.
//   H25, G25, L25,    the 2025 profiles (household, commerce, agriculture,
//   P25, S25          household with PV, with PV and battery): one curve per
//                     month and day type; no dynamisation.
// Day types follow german_calendar.h (Sundays and nationwide holidays; 24 and
// 31 December as Saturdays). Units, sources and the raw yearly sums are in
// docs/reference-data.md.
//
// Normalisation. The raw tables do not sum to their nominal annual
// consumption in a given year (the calendar, the leap day, the dynamisation
// and P25/S25 being net of own generation all move the sum). QuarterHourKwh()
// therefore scales by YearFactor(year), so that its sum over all days of a
// year and all 96 slots of each day is exactly `annual_kwh` (to rounding).
//
// Slots. Slot 0..95 is the quarter-hour of the local day counted from local
// midnight on a 24-hour day (slot 0 is 00:00-00:15). The exact-sum promise
// counts 96 slots on every day. A caller that walks wall-clock time on DST
// days (92 or 100 quarter-hours) skips slots 8-11 in spring and repeats them
// in autumn, the usual practice with BDEW profiles; over a year the two nearly
// cancel (under 0.01% of the annual energy).
//
// Lifetime and thread safety: the profiles are built on first use and live
// for the whole program; all methods are const and safe from any thread.
// Each profile keeps one table per year it has been asked about (about 3 KB,
// built once, lock-free to read for years 1900-2200).
#pragma once

#include <date/date.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/bdew_tables.h"

namespace metrify::reference {

class LoadProfile {
 public:
  // The profile named `name` ("H0", "g25"; case is ignored), or nullptr when
  // there is none. The pointer lives for the whole program.
  static const LoadProfile* Find(std::string_view name);
  // All profiles, in the order of model::KnownLoadProfiles().
  static const std::vector<const LoadProfile*>& All();

  explicit LoadProfile(ProfileTable table);
  ~LoadProfile();
  LoadProfile(const LoadProfile&) = delete;
  LoadProfile& operator=(const LoadProfile&) = delete;

  const std::string& name() const { return table_.name; }
  // True for H0, the one profile scaled by the dynamisation factor.
  bool dynamised() const { return table_.dynamised; }

  // Energy in kWh in quarter-hour `slot` of `local_day` for a customer who
  // uses `annual_kwh` a year: the raw value times YearFactor() times
  // annual_kwh. REQUIRES: local_day.ok(), 0 <= slot < 96.
  double QuarterHourKwh(date::year_month_day local_day, int slot, double annual_kwh) const;

  // All 96 slots of `local_day` at once, as QuarterHourKwh() gives them.
  // REQUIRES: local_day.ok().
  void DayKwh(date::year_month_day local_day, double annual_kwh,
              std::span<double, kQuarterHoursPerDay> out) const;

  // The published value, un-normalised: kWh in the slot per kWh of annual
  // consumption, including the dynamisation factor for H0.
  // REQUIRES: local_day.ok(), 0 <= slot < 96.
  double RawQuarterHourKwh(date::year_month_day local_day, int slot) const;

  // 1 / (sum of RawQuarterHourKwh() over every day of `year` and all 96
  // slots). Near 1 for the consumption profiles; see docs/reference-data.md.
  double YearFactor(int year) const;

 private:
  // Per day of a year: the curve and the factor it is scaled by (dynamisation
  // times the year factor).
  struct YearTable {
    double year_factor = 0;
    std::array<uint8_t, 366> curve{};
    std::array<double, 366> scale{};
  };
  static constexpr int kFirstCachedYear = 1900;
  static constexpr int kCachedYears = 301;  // 1900-2200

  std::unique_ptr<const YearTable> BuildYear(int year) const;
  const YearTable& TableFor(int year) const;

  const ProfileTable table_;
  // Lock-free cache for the usual years; a table, once stored, is never
  // replaced or freed before the profile is.
  mutable std::array<std::atomic<const YearTable*>, kCachedYears> years_{};
  // Other years, rarely asked for.
  mutable std::mutex other_years_mu_;
  mutable std::map<int, std::unique_ptr<const YearTable>> other_years_;
};

}  // namespace metrify::reference
