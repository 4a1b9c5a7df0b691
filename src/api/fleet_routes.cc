// Fleet-wide reads (series_routes.h): the newest reading of many meters, and
// energy of many meters per calendar bucket, grouped.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

#include "api/latest_rows.h"
#include "api/responses.h"
#include "api/series_output.h"
#include "api/series_points.h"
#include "api/series_routes.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "query/calendar.h"
#include "vee/validated_rollup.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;
constexpr auto kReading = model::SeriesKind::kReading;

Status UnknownParameters(const HttpRequest& request, std::vector<std::string_view> known) {
  std::vector<StatusDetail> errors;
  for (const auto& [name, value] : request.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      errors.push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
    }
  }
  return errors.empty() ? Status::Ok() : Status::InvalidFields(std::move(errors));
}

// The meters a fleet read covers: meter_ids=a,b,c, or every registered
// meter (the shared sorted list: no copy), as (id, key) pairs.
struct MeterSet {
  ingest::EntityKeys::Sorted all;
  std::vector<std::pair<std::string, uint32_t>> listed;
  std::vector<std::string> unknown;  // listed ids that are not registered

  const std::vector<std::pair<std::string, uint32_t>>& meters() const {
    return all ? *all : listed;
  }
};

Result<MeterSet> ResolveMeters(SeriesBackend& backend, const HttpRequest& request) {
  MeterSet set;
  auto list = request.QueryParam("meter_ids");
  if (!list) {
    set.all = backend.keys.All(kReading);
    return set;
  }
  for (std::string_view piece : Split(*list, ',')) {
    const std::string id(Trim(piece));
    if (id.empty()) continue;
    METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key, backend.keys.Find(kReading, id));
    if (key) {
      set.listed.emplace_back(id, *key);
    } else {
      set.unknown.push_back(id);
    }
  }
  return set;
}

HttpResponse Latest(SeriesBackend& backend, HttpRequest& request) {
  if (Status s = UnknownParameters(request, {"meter_ids", "fields"}); !s.ok()) {
    return ErrorFromStatus(s);
  }
  uint16_t fields = static_cast<uint16_t>((1u << model::SeriesFields(kReading).size()) - 1);
  if (auto text = request.QueryParam("fields"); text && !text->empty()) {
    fields = 0;
    for (std::string_view name : Split(*text, ',')) {
      std::optional<int> f = model::SeriesFieldIndex(kReading, Trim(name));
      if (!f) {
        return ErrorFromStatus(
            Status::InvalidFields({{"fields", "unknown_field",
                                    fmt::format("\"{}\" is not a field of reading", Trim(name))}}));
      }
      fields |= static_cast<uint16_t>(1u << *f);
    }
  }
  Result<MeterSet> set = ResolveMeters(backend, request);
  if (!set) return ErrorFromStatus(set.error());
  Result<std::vector<LatestRows>> written = WriteLatestRows(backend.store, set->meters(), fields);
  if (!written) return ErrorFromStatus(written.status());
  const std::vector<LatestRows>& pieces = *written;
  JsonWriter w;
  size_t bytes = 0;
  for (const LatestRows& piece : pieces) bytes += piece.rows.str().size();
  w.Reserve(bytes + 256);
  w.BeginObject();
  w.Key("readings").BeginArray();
  size_t count = 0;
  for (const LatestRows& piece : pieces) {
    w.SpliceElements(piece.rows);
    count += piece.count;
  }
  w.EndArray();
  w.Key("count").Int(static_cast<int64_t>(count));
  w.Key("missing").BeginArray();
  for (const LatestRows& piece : pieces) {
    for (std::string_view id : piece.missing) w.String(id);
  }
  w.EndArray();
  w.Key("unknown").BeginArray();
  for (const std::string& id : set->unknown) w.String(id);
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

// For group_by operator, city or segment: each meter's group, from the
// registry. meter and none need no registry read.
Result<std::unordered_map<std::string, std::string>> GroupOfMeters(registry::Registry& registry,
                                                                   std::string_view group_by) {
  std::unordered_map<std::string, std::string> groups;
  if (group_by == "meter" || group_by == "none") return groups;
  store::ListQuery query;
  query.page_size = 1000;
  for (query.page = 1;; ++query.page) {
    METRIFY_ASSIGN_OR_RETURN(store::Page<model::Meter> page, registry.List<model::Meter>(query));
    for (const model::Meter& m : page.items) {
      groups[m.id] = group_by == "operator" ? m.grid_operator_id
                     : group_by == "city"   ? m.city
                                            : std::string(model::EnumName(m.segment));
    }
    if (page.items.empty() || query.page * query.page_size >= page.total_count) break;
  }
  return groups;
}

// One meter's buckets and, validated, its intervals per bucket by status.
struct MeterRollup {
  std::vector<query::BucketValue> buckets;
  std::vector<vee::StatusCounts> counts;  // empty for version=raw
};

// Energy of many meters added up per bucket.
struct Group {
  size_t meters = 0;
  std::vector<query::BucketValue> buckets;
  std::vector<vee::StatusCounts> counts;

  void Add(const MeterRollup& meter) {
    ++meters;
    if (buckets.empty()) {
      buckets = meter.buckets;
      counts = meter.counts;
      return;
    }
    for (size_t i = 0; i < meter.buckets.size(); ++i)
      query::AddInto(buckets[i], meter.buckets[i], query::Agg::kSum);
    for (size_t i = 0; i < meter.counts.size(); ++i) {
      for (int s = 0; s < vee::kValueStatuses; ++s) counts[i][s] += meter.counts[i][s];
    }
  }
};

const int kEnergy = *model::SeriesFieldIndex(kReading, "energy_kwh");

// What a chunk of meters needs from a remote store (PostgreSQL), read for
// all of them at once: one round trip for the rollup sums, one for the
// overlay rows, instead of two per meter. The raw reads of the meters the
// rollups cannot answer stay per meter: rare, and possibly large.
struct FleetFetch {
  std::vector<std::optional<store::FieldBuckets>> sums;
  std::vector<std::vector<engine::HeadSample>> overlays;

  // Meter i of the chunk: its sums (null: read raw) and overlay rows.
  struct Meter {
    const store::FieldBuckets* sums;
    const std::vector<engine::HeadSample>* overlay;
  };

  Status Read(const store::SeriesStore& engine, std::span<const uint32_t> keys,
              const std::vector<int64_t>& edges, bool validated) {
    engine.SumFromStatsMany(kReading, keys, edges, kEnergy, &sums);
    overlays.assign(keys.size(), {});
    if (!validated) return Status::Ok();
    // Interval ends in (first edge, last edge]: one more millisecond.
    return engine.ReadLatestMany(model::SeriesKind::kVeeOverlay, keys, edges.front(),
                                 edges.back() + 1, &overlays);
  }

  Meter At(size_t i) const { return {sums[i] ? &*sums[i] : nullptr, &overlays[i]}; }
};

// One meter's energy per bucket; the vectors are reused from meter to meter.
struct MeterBuckets {
  std::vector<engine::HeadSample> samples;
  std::vector<query::Point> points;
  std::vector<query::BucketValue> buckets;
  std::vector<vee::StatusCounts> counts;
  std::vector<engine::HeadSample> overlay;

  store::FieldBuckets sums;

  // The raw sums, corrected to the validated view when `validated`. With
  // `fetched`, the meter's sums and overlay rows read for its chunk.
  Status Compute(const store::SeriesStore& engine, uint32_t key, const std::vector<int64_t>& edges,
                 uint16_t fields, bool validated, const FleetFetch::Meter* fetched) {
    METRIFY_RETURN_IF_ERROR(ComputeRaw(engine, key, edges, fields, fetched));
    counts.clear();
    if (!validated) return Status::Ok();
    if (fetched != nullptr) {
      vee::ApplyOverlay(*fetched->overlay, edges, kEnergy, &buckets, &counts);
      return Status::Ok();
    }
    return vee::CorrectToValidated(engine, key, edges, kEnergy, &buckets, &counts, &overlay);
  }

  Status ComputeRaw(const store::SeriesStore& engine, uint32_t key,
                    const std::vector<int64_t>& edges, uint16_t fields,
                    const FleetFetch::Meter* fetched) {
    // The energy sum straight from block statistics (embedded) or hourly
    // rollups (PostgreSQL) when they allow; otherwise the readings are read
    // and added up.
    if (fetched != nullptr
            ? fetched->sums != nullptr
            : engine.SumFromStats(engine::SeriesKey{kReading, key}, edges, kEnergy, &sums)) {
      if (fetched != nullptr) sums = *fetched->sums;
      FromSums(edges);
      return Status::Ok();
    }
    samples.clear();
    // A reading stamped at a bucket's end belongs to it: one more millisecond.
    METRIFY_RETURN_IF_ERROR(engine.ReadLatest(engine::SeriesKey{kReading, key}, edges.front(),
                                              edges.back() + 1, &samples, fields));
    points.clear();
    for (const engine::HeadSample& s : samples) points.push_back(ToPoint(s));
    buckets = query::Aggregate(points, edges, query::Agg::kSum, fields);
    return Status::Ok();
  }

  // The same BucketValues query::Aggregate gives for these sums.
  void FromSums(const std::vector<int64_t>& edges) {
    buckets.assign(edges.size() - 1, query::BucketValue{});
    for (size_t i = 0; i + 1 < edges.size(); ++i) {
      query::BucketValue& b = buckets[i];
      b.start_ms = edges[i];
      b.end_ms = edges[i + 1];
      b.count = sums.samples[i];
      // Aggregate's rule: expected from the series' interval, 0 without samples.
      b.expected = sums.interval_s == 0 ? 0
                                        : static_cast<uint32_t>((edges[i + 1] - edges[i]) /
                                                                (int64_t{sums.interval_s} * 1000));
      if (sums.values[i] > 0) {
        b.values[kEnergy] = sums.sums[i];
        b.present = 1u << kEnergy;
      }
    }
  }
};

// Meters whose buckets are computed at once, split over the cores: rollups
// read and decode every meter's blocks, so they are CPU-bound; the chunk
// bounds the memory held (one bucket vector per meter).
constexpr size_t kRollupChunk = 4096;

// Buckets of meters [begin, end) into (*out)[i - begin], in parallel.
Status ComputeChunk(const store::SeriesStore& engine,
                    const std::vector<std::pair<std::string, uint32_t>>& meters, size_t begin,
                    size_t end, const std::vector<int64_t>& edges, uint16_t fields, bool validated,
                    std::vector<MeterRollup>* out) {
  out->resize(end - begin);
  std::optional<FleetFetch> fetched;
  if (engine.RemoteReads()) {
    std::vector<uint32_t> keys;
    keys.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) keys.push_back(meters[i].second);
    METRIFY_RETURN_IF_ERROR(fetched.emplace().Read(engine, keys, edges, validated));
  }
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                            std::max<size_t>(1, (end - begin) / 256));
  std::vector<Status> results(workers);
  auto work = [&](size_t w) {
    MeterBuckets scratch;
    for (size_t i = begin + w; i < end; i += workers) {
      const std::optional<FleetFetch::Meter> meter =
          fetched ? std::optional(fetched->At(i - begin)) : std::nullopt;
      results[w] = scratch.Compute(engine, meters[i].second, edges, fields, validated,
                                   meter ? &*meter : nullptr);
      if (!results[w].ok()) return;
      (*out)[i - begin].buckets = scratch.buckets;
      (*out)[i - begin].counts = scratch.counts;
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  for (const Status& s : results) METRIFY_RETURN_IF_ERROR(s);
  return Status::Ok();
}

void WriteShares(JsonWriter& w, const query::BucketValue& b, const vee::StatusCounts& c) {
  static constexpr std::string_view kNames[] = {"measured", "estimated", "edited", "invalid",
                                                "missing"};
  w.Key("shares").BeginObject();
  for (int s = 0; s < vee::kValueStatuses; ++s) {
    w.Key(kNames[s]).Number(
        b.expected == 0 ? 0 : RoundForDisplay(static_cast<double>(c[s]) / b.expected));
  }
  w.EndObject();
}

void WriteGroup(JsonWriter& w, std::string_view name, size_t meters,
                const std::vector<query::BucketValue>& buckets,
                const std::vector<vee::StatusCounts>& counts) {
  static const int energy = *model::SeriesFieldIndex(kReading, "energy_kwh");
  w.BeginObject();
  if (name.empty()) {
    w.Key("group").Null();  // meters without an operator, city...
  } else {
    w.Key("group").String(name);
  }
  w.Key("meters").Int(static_cast<int64_t>(meters));
  w.Key("buckets").BeginArray();
  for (size_t i = 0; i < buckets.size(); ++i) {
    const query::BucketValue& b = buckets[i];
    Rfc3339Buffer start, end;
    w.BeginObject();
    w.Key("start").String(FormatRfc3339(b.start_ms, start));
    w.Key("end").String(FormatRfc3339(b.end_ms, end));
    w.Key("count").Int(b.count);
    w.Key("expected").Int(b.expected);
    w.Key("energy_kwh").Number(RoundForDisplay(b.values[energy]));
    if (i < counts.size()) WriteShares(w, b, counts[i]);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

HttpResponse Consumption(SeriesBackend& backend, HttpRequest& request) {
  const auto group_by = request.QueryParam("group_by").value_or("none");
  if (group_by != "none" && group_by != "operator" && group_by != "city" && group_by != "segment" &&
      group_by != "meter") {
    return ErrorFromStatus(
        Status::InvalidFields({{"group_by", "invalid_choice",
                                "group_by must be none, operator, city, segment or meter"}}));
  }
  Result<SeriesParams> params =
      ReadSeriesParams(request, kReading, "Europe/Berlin", {"group_by", "meter_ids", "version"});
  if (!params) return ErrorFromStatus(params.error());
  const std::string_view version = request.QueryParam("version").value_or("validated");
  if (version != "validated" && version != "raw") {
    return ErrorFromStatus(Status::InvalidFields(
        {{"version", "invalid_choice",
          fmt::format("version must be validated or raw, got \"{}\"", version)}}));
  }
  const bool validated = version == "validated";
  if (params->interval == query::Interval::kRaw) params->interval = query::Interval::k1d;
  params->fields = 1u << *model::SeriesFieldIndex(kReading, "energy_kwh");
  params->agg = query::Agg::kSum;
  Result<std::vector<int64_t>> edges = query::BucketEdges(
      params->start_ms, params->end_ms, params->interval, params->tz, kMaxBuckets);
  if (!edges) {
    return ErrorFromStatus(
        Status::InvalidFields({{"interval", "too_many_buckets", edges.error().message()}}));
  }
  Result<MeterSet> set = ResolveMeters(backend, request);
  if (!set) return ErrorFromStatus(set.error());
  Result<std::unordered_map<std::string, std::string>> group_of =
      GroupOfMeters(backend.registry, group_by);
  if (!group_of) return ErrorFromStatus(group_of.error());

  JsonWriter w;
  w.Reserve(set->meters().size() * 160);  // group_by=meter: about one group's bytes each
  w.BeginObject();
  w.Key("start").String(FormatRfc3339(params->start_ms));
  w.Key("end").String(FormatRfc3339(params->end_ms));
  w.Key("interval").String(query::IntervalName(params->interval));
  w.Key("tz").String(params->tz_name);
  w.Key("group_by").String(group_by);
  w.Key("version").String(version);
  w.Key("groups").BeginArray();
  // Per meter, groups stream out in id order as they are computed; other
  // groupings add meters up first.
  std::map<std::string, Group> groups;
  const auto& meters = set->meters();
  std::vector<MeterRollup> chunk;
  for (size_t begin = 0; begin < meters.size(); begin += kRollupChunk) {
    const size_t end = std::min(meters.size(), begin + kRollupChunk);
    Status read =
        ComputeChunk(backend.store, meters, begin, end, *edges, params->fields, validated, &chunk);
    if (!read.ok()) return ErrorFromStatus(read);
    for (size_t i = begin; i < end; ++i) {
      const std::string& id = meters[i].first;
      if (group_by == "meter") {
        WriteGroup(w, id, 1, chunk[i - begin].buckets, chunk[i - begin].counts);
        continue;
      }
      // The whole set is one group, "all" (as documented); otherwise a meter
      // without an operator or city is in the unnamed group (null).
      auto found = group_of->find(id);
      const std::string name = group_by == "none"         ? std::string("all")
                               : found == group_of->end() ? std::string()
                                                          : found->second;
      groups[name].Add(chunk[i - begin]);
    }
  }
  for (const auto& [name, group] : groups) {
    WriteGroup(w, name, group.meters, group.buckets, group.counts);
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void AddFleetRoutes(Router& router, SeriesBackend& backend) {
  router.Add("GET", "/api/v1/readings/latest", [&backend](HttpRequest& request, const PathParams&) {
    return Latest(backend, request);
  });
  router.Add("GET", "/api/v1/analytics/consumption",
             [&backend](HttpRequest& request, const PathParams&) {
               return Consumption(backend, request);
             });
}

}  // namespace metrify::api
