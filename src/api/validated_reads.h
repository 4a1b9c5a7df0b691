// The validated view of a meter's readings through the API's backend
// (docs/vee.md "Reading the validated view"): the meter's registry entry,
// its rules and the edits in force, and how validated points are written.
#pragma once

#include <span>
#include <vector>

#include "api/series_output.h"
#include "api/series_routes.h"
#include "common/json_writer.h"
#include "model/meter.h"
#include "vee/validated_view.h"

namespace metrify::api {

// Meter `meter` (engine key `key`): its validated points with interval ends
// in [start_ms, end_ms). Intervals with nothing stored are MISSING from the
// meter's installation date (else its first point in the range) until now.
Result<std::vector<vee::ValidatedPoint>> ReadValidatedMeter(SeriesBackend& backend,
                                                            const model::Meter& meter, uint32_t key,
                                                            int64_t start_ms, int64_t end_ms);
// The same from its parts, for a caller without a SeriesBackend (the quality
// worker, worker/quality_worker.h, which must see what the API sees):
// `rules` and `edits` may be null (defaults; no edits).
Result<std::vector<vee::ValidatedPoint>> ReadValidatedMeter(store::SeriesStore& store,
                                                            const vee::RulesConfig* rules,
                                                            const vee::EditLog* edits,
                                                            const model::Meter& meter, uint32_t key,
                                                            int64_t start_ms, int64_t end_ms);

// How a validated point says how it was decided: status, rule (or method
// for an estimate), fired rules, quality and tier.
void WriteVerdict(JsonWriter& w, const vee::ValidatedPoint& p);

// Raw-interval answer of validated points (fields as in RawResponse, plus
// the verdict per point).
http::HttpResponse ValidatedRawResponse(const SeriesSubject& subject, const SeriesParams& params,
                                        std::span<const vee::ValidatedPoint> points);
// Buckets over validated points: INVALID and MISSING values left out, and
// per bucket the share of its expected intervals measured, estimated,
// edited, invalid and missing.
http::HttpResponse ValidatedBucketResponse(const SeriesSubject& subject, SeriesParams& params,
                                           std::span<const vee::ValidatedPoint> points,
                                           std::span<const int64_t> edges);

}  // namespace metrify::api
