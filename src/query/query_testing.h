// Test helpers for query/: readable instants and zones. Tests only.
#pragma once

#include <date/date.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "query/calendar.h"

namespace metrify::query::testing {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

// Epoch milliseconds of "2025-03-29T23:00:00Z" (UTC only, whole seconds).
// Hand-parsed: date::parse trips -Wmaybe-uninitialized inside date.h on g++ 12.
inline int64_t Utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  bool ok = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &z) == 7 &&
            z == 'Z';
  date::year_month_day ymd{date::year(y), date::month(unsigned(mo)), date::day(unsigned(d))};
  EXPECT_TRUE(ok && ymd.ok()) << "bad test instant " << text;
  int64_t days = date::sys_days(ymd).time_since_epoch().count();
  return ((days * 24 + h) * 60 + mi) * 60'000 + s * 1000;
}

// The zone, failing the test when the database lacks it.
inline const date::time_zone* Zone(const std::string& name) {
  auto zone = FindZone(name);
  EXPECT_TRUE(zone.has_value()) << zone.status().ToString();
  return zone.has_value() ? *zone : nullptr;
}

}  // namespace metrify::query::testing
