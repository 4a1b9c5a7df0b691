// IngestService: one request body of readings, grid status or observations
// into the readings engine. Parses the body (parse/), resolves entity ids
// to registry keys (unknown ones rejected per item, or registered when
// ingest.auto_register is on), then appends the accepted samples in one
// engine call: durable when Ingest returns.
//
// Thread safety: Ingest may be called concurrently.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ingest/entity_keys.h"
#include "obs/metrics.h"
#include "parse/sample_parser.h"
#include "registry/registry.h"
#include "store/series_store.h"

namespace metrify::ingest {

// What became of one body. accepted = inserted + unchanged + revised;
// items = accepted + rejected; errors has one entry per rejected item,
// ascending by index.
struct IngestOutcome {
  size_t items = 0;
  size_t accepted = 0;
  size_t rejected = 0;
  size_t inserted = 0;
  size_t unchanged = 0;   // identical to what was stored: retries
  size_t revised = 0;     // changed values: new revisions, the old kept
  size_t registered = 0;  // entities auto-registered by this body
  // Scaled mode: accepted samples handed to the queue (Kafka), where a
  // worker stores them; inserted, unchanged and revised are then 0, since
  // only the worker knows.
  size_t queued = 0;
  std::vector<parse::ItemError> errors;
};

class IngestService {
 public:
  // Every argument must outlive the service.
  IngestService(store::SeriesStore& store, EntityKeys& keys, registry::Registry& registry,
                bool auto_register)
      : store_(store), keys_(keys), registry_(registry), auto_register_(auto_register) {}

  // Told of every batch of samples that stored something new, of any kind,
  // once it is durable (VEE validates readings; detection looks at all
  // kinds). Set before use.
  using SamplesObserver =
      std::function<void(model::SeriesKind, std::span<const engine::wal::WalSample>)>;
  void set_observer(SamplesObserver observer) { observer_ = std::move(observer); }
  // Scaled mode: accepted samples go to `forward` (the Kafka producer)
  // instead of the store, and Ingest returns once it has them durably
  // (queued). Its error fails the body (nothing acknowledged). Set before use.
  using Forwarder = std::function<Status(model::SeriesKind, std::span<const model::Sample>)>;
  void set_forwarder(Forwarder forward) { forward_ = std::move(forward); }
  // Counts every item of every body by kind and outcome (inserted,
  // unchanged, revised, rejected): metrify_ingest_samples_total on /metrics.
  // A counter with the labels {kind, outcome}, or null. Set before use.
  void set_counter(obs::Counter* samples) { samples_ = samples; }

  // Ingests `body` (grown in capacity for the parser, contents unchanged).
  // `path_entity_id` is the id of /smart-meters/{id}/readings and the like,
  // or empty. Errors, with nothing stored: InvalidArgument for a body that
  // cannot be read at all (parse::ParseSamples); NotFound when the path
  // names an unknown entity; ResourceExhausted when the engine is at its
  // memory limit (retry); IOError, Unavailable from the store, registry or
  // the forwarder.
  Result<IngestOutcome> Ingest(model::SeriesKind kind, std::string* body, parse::BodyFormat format,
                               std::string_view path_entity_id);

 private:
  // The key of `id`, registering it when allowed. nullopt: reject the item.
  Result<std::optional<uint32_t>> Resolve(model::SeriesKind kind, const std::string& id,
                                          IngestOutcome* outcome);
  void Count(model::SeriesKind kind, const IngestOutcome& outcome) const;

  store::SeriesStore& store_;
  EntityKeys& keys_;
  registry::Registry& registry_;
  const bool auto_register_;
  SamplesObserver observer_;
  Forwarder forward_;
  obs::Counter* samples_ = nullptr;
};

}  // namespace metrify::ingest
