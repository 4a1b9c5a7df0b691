#include "reference/load_profile.h"

#include <cassert>

#include "common/strings.h"

namespace metrify::reference {
namespace {

// The registry, built on first use from the embedded tables; never freed.
const std::vector<const LoadProfile*>& Registry() {
  static const std::vector<const LoadProfile*> kProfiles = [] {
    std::vector<const LoadProfile*> profiles;
    for (const ProfileTable& table : BdewTables()) profiles.push_back(new LoadProfile(table));
    return profiles;
  }();
  return kProfiles;
}

// Sum of a curve's 96 slots.
double CurveSum(const DayCurve& curve) {
  double sum = 0;
  for (double v : curve) sum += v;
  return sum;
}

}  // namespace

const LoadProfile* LoadProfile::Find(std::string_view name) {
  for (const LoadProfile* profile : Registry()) {
    if (EqualsIgnoreCase(profile->name(), name)) return profile;
  }
  return nullptr;
}

const std::vector<const LoadProfile*>& LoadProfile::All() { return Registry(); }

LoadProfile::LoadProfile(ProfileTable table) : table_(std::move(table)) {}

LoadProfile::~LoadProfile() {
  for (auto& slot : years_) delete slot.load(std::memory_order_acquire);
}

double LoadProfile::QuarterHourKwh(date::year_month_day local_day, int slot,
                                   double annual_kwh) const {
  assert(local_day.ok() && slot >= 0 && slot < kQuarterHoursPerDay);
  const YearTable& year = TableFor(static_cast<int>(local_day.year()));
  const int day = DayOfYear(local_day) - 1;
  // Grouped as DayKwh() groups it, so that both give the same doubles.
  return table_.curves[year.curve[day]][slot] * (year.scale[day] * annual_kwh);
}

void LoadProfile::DayKwh(date::year_month_day local_day, double annual_kwh,
                         std::span<double, kQuarterHoursPerDay> out) const {
  assert(local_day.ok());
  const YearTable& year = TableFor(static_cast<int>(local_day.year()));
  const int day = DayOfYear(local_day) - 1;
  const DayCurve& curve = table_.curves[year.curve[day]];
  const double scale = year.scale[day] * annual_kwh;
  for (int slot = 0; slot < kQuarterHoursPerDay; ++slot) out[slot] = curve[slot] * scale;
}

// Deliberately computed without the year tables, so tests can check one
// against the other.
double LoadProfile::RawQuarterHourKwh(date::year_month_day local_day, int slot) const {
  assert(local_day.ok() && slot >= 0 && slot < kQuarterHoursPerDay);
  const double value = table_.curves[CurveIndex(table_.family, local_day)][slot];
  return table_.dynamised ? value * DynamisationFactor(DayOfYear(local_day)) : value;
}

double LoadProfile::YearFactor(int year) const { return TableFor(year).year_factor; }

std::unique_ptr<const LoadProfile::YearTable> LoadProfile::BuildYear(int year) const {
  auto table = std::make_unique<YearTable>();
  double raw_sum = 0;
  const date::sys_days first{date::year(year) / date::January / 1};
  const date::sys_days end{date::year(year + 1) / date::January / 1};
  for (date::sys_days day = first; day < end; day += date::days(1)) {
    const int i = (day - first).count();
    const int curve = CurveIndex(table_.family, date::year_month_day(day));
    table->curve[i] = static_cast<uint8_t>(curve);
    table->scale[i] = table_.dynamised ? DynamisationFactor(i + 1) : 1.0;
    raw_sum += CurveSum(table_.curves[curve]) * table->scale[i];
  }
  table->year_factor = 1.0 / raw_sum;
  for (double& scale : table->scale) scale *= table->year_factor;
  return table;
}

// Two threads may build the same year at once; the loser frees its copy.
const LoadProfile::YearTable& LoadProfile::TableFor(int year) const {
  const int index = year - kFirstCachedYear;
  if (index >= 0 && index < kCachedYears) {
    std::atomic<const YearTable*>& slot = years_[index];
    const YearTable* cached = slot.load(std::memory_order_acquire);
    if (cached != nullptr) return *cached;
    std::unique_ptr<const YearTable> built = BuildYear(year);
    if (slot.compare_exchange_strong(cached, built.get(), std::memory_order_acq_rel)) {
      return *built.release();
    }
    return *cached;
  }
  std::lock_guard<std::mutex> lock(other_years_mu_);
  std::unique_ptr<const YearTable>& table = other_years_[year];
  if (!table) table = BuildYear(year);
  return *table;
}

}  // namespace metrify::reference
