#include "query/interval.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace metrify::query {
namespace {

// One table per enum, in enum order, so parsing and naming cannot disagree.
constexpr std::array<std::pair<Interval, std::string_view>, 5> kIntervals = {{
    {Interval::kRaw, "raw"},
    {Interval::k15m, "15m"},
    {Interval::k1h, "1h"},
    {Interval::k1d, "1d"},
    {Interval::k1M, "1M"},
}};

constexpr std::array<std::pair<Agg, std::string_view>, 5> kAggs = {{
    {Agg::kSum, "sum"},
    {Agg::kAvg, "avg"},
    {Agg::kMin, "min"},
    {Agg::kMax, "max"},
    {Agg::kLast, "last"},
}};

// Finds `text` in `table`, or explains what is allowed.
template <typename E, size_t N>
Result<E> Lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view what,
                 std::string_view text) {
  std::string allowed;
  for (const auto& [value, name] : table) {
    if (name == text) return value;
    allowed += allowed.empty() ? "" : ", ";
    allowed += name;
  }
  return Status::InvalidArgument(
      fmt::format("unknown {} \"{}\"; expected one of {}", what, text, allowed));
}

}  // namespace

Result<Interval> ParseInterval(std::string_view text) {
  return Lookup(kIntervals, "interval", text);
}

std::string_view IntervalName(Interval interval) {
  return kIntervals[static_cast<size_t>(interval)].second;
}

Result<Agg> ParseAgg(std::string_view text) { return Lookup(kAggs, "aggregation", text); }

std::string_view AggName(Agg agg) { return kAggs[static_cast<size_t>(agg)].second; }

}  // namespace metrify::query
