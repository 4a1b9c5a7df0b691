// Calendar arithmetic for time-bucketed queries: which IANA zone a query
// means, and where its buckets begin and end as UTC instants.
//
// Buckets follow the local calendar of the zone, so a day is a local day
// (23 or 25 hours long on DST days) and a month a local month. Instants are
// epoch milliseconds (UTC), as everywhere in Metrify.
//
// Thread safety: pure functions. The zone database (howard-hinnant date, built
// with USE_OS_TZDB, so it reads /usr/share/zoneinfo from the tzdata package)
// loads once on first use behind std::call_once; zones are immutable after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "query/interval.h"

namespace date {
class time_zone;  // <date/tz.h>; declared here to keep includers light
}

namespace metrify::query {

// The zone named `name` ("Europe/Berlin", also links such as "UTC").
// InvalidArgument `unknown time zone "X"` when the database has no such zone.
// The pointer lives for the whole program.
Result<const date::time_zone*> FindZone(std::string_view name);

// The edges e0 < e1 < ... < en of the buckets that cover [start_ms, end_ms):
// bucket i is [e_i, e_{i+1}). e0 is the last bucket boundary at or before
// start_ms; en is the first boundary at or after end_ms.
//
// Boundaries are the instants at which the zone's wall clock reads:
//   15m, 1h: a multiple of 15 minutes or an hour. For whole-hour offsets this
//            is UTC alignment (a Berlin DST day has 92 or 100 quarter hours);
//            for Asia/Kolkata (+05:30) hours start at hh:30 UTC. A wall-clock
//            time that occurs twice (fall back) is a boundary both times; one
//            skipped by a DST gap is no boundary.
//   1d:      local midnight; 1M: local midnight on the 1st. When midnight is
//            skipped (zones that switch at 00:00, e.g. America/Santiago) the
//            day starts at the transition; when it occurs twice, at the first.
//
// InvalidArgument when `interval` is raw (raw reads have no buckets), when
// end_ms <= start_ms, when either lies outside the years 1 to 9999, or when
// the range needs more than `max_buckets` buckets (the message gives the
// number and suggests a coarser interval).
// REQUIRES: tz != nullptr (from FindZone).
Result<std::vector<int64_t>> BucketEdges(int64_t start_ms, int64_t end_ms, Interval interval,
                                         const date::time_zone* tz, size_t max_buckets);

}  // namespace metrify::query
