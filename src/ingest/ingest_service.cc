#include "ingest/ingest_service.h"

#include <algorithm>

#include "common/time.h"
#include "parse/field_table.h"
#include "parse/rejections.h"

namespace metrify::ingest {

Result<std::optional<uint32_t>> IngestService::Resolve(model::SeriesKind kind,
                                                       const std::string& id,
                                                       IngestOutcome* outcome) {
  METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key, keys_.Find(kind, id));
  // Weather stations need coordinates, which readings do not carry.
  if (key || !auto_register_ || kind == model::SeriesKind::kObservation) return key;
  // An operator needs a name: its id stands in until someone edits it.
  Status created = kind == model::SeriesKind::kReading
                       ? registry_.Create<model::Meter>({{"id", id}}).status()
                       : registry_.Create<model::GridOperator>({{"id", id}, {"name", id}}).status();
  // AlreadyExists: another request registered it first.
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  if (created.ok()) ++outcome->registered;
  return keys_.Find(kind, id);
}

Result<IngestOutcome> IngestService::Ingest(model::SeriesKind kind, std::string* body,
                                            parse::BodyFormat format,
                                            std::string_view path_entity_id) {
  IngestOutcome outcome;
  if (!path_entity_id.empty()) {
    IngestOutcome ignored;
    METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key,
                             Resolve(kind, std::string(path_entity_id), &ignored));
    if (!key) {
      return Status::NotFound(std::string(EntityNounOf(kind)) + " \"" +
                              std::string(path_entity_id) + "\" not found");
    }
    outcome.registered += ignored.registered;
  }
  METRIFY_ASSIGN_OR_RETURN(
      parse::ParsedBatch batch,
      parse::ParseSamples(body, format, parse::DefaultOptions(kind, path_entity_id)));
  outcome.items = batch.items;
  outcome.errors = std::move(batch.errors);

  std::vector<engine::wal::WalSample> samples;
  samples.reserve(batch.samples.size());
  std::vector<model::Sample> forwarded;  // scaled mode: what goes to the queue
  // Batches usually carry runs of one entity: remember the last lookup.
  const std::string* last_id = nullptr;
  std::optional<uint32_t> last_key;
  const int32_t cutoff = store_.RetentionCutoffDay();
  for (size_t i = 0; i < batch.samples.size(); ++i) {
    const model::Sample& s = batch.samples[i];
    if (engine::PartitionOf(s.timestamp_ms) < cutoff) {
      outcome.errors.push_back(
          {.index = batch.item_of_sample[i],
           .line = 0,
           .field = "timestamp",
           .code = std::string(parse::reject::kBeyondRetention),
           .message = "timestamp " + FormatRfc3339(s.timestamp_ms) +
                      " is older than the retention window (storage.retention_days)"});
      continue;
    }
    if (last_id == nullptr || *last_id != s.entity_id) {
      METRIFY_ASSIGN_OR_RETURN(last_key, Resolve(kind, s.entity_id, &outcome));
      last_id = &s.entity_id;
    }
    if (!last_key) {
      outcome.errors.push_back({.index = batch.item_of_sample[i],
                                .line = 0,
                                .field = std::string(parse::EntityKey(kind)),
                                .code = std::string(parse::reject::kUnknownEntity),
                                .message = std::string(EntityNounOf(kind)) + " \"" + s.entity_id +
                                           "\" is not registered"});
      continue;
    }
    if (forward_) {
      forwarded.push_back(s);
      continue;
    }
    engine::wal::WalSample& w = samples.emplace_back();
    w.entity_key = *last_key;
    w.timestamp_ms = s.timestamp_ms;
    w.interval_s = s.interval_s;
    w.present = s.present;
    w.values = s.values;
  }
  std::sort(outcome.errors.begin(), outcome.errors.end(),
            [](const parse::ItemError& a, const parse::ItemError& b) { return a.index < b.index; });
  outcome.rejected = outcome.errors.size();
  outcome.accepted = samples.size() + forwarded.size();
  if (!forwarded.empty()) {
    METRIFY_RETURN_IF_ERROR(forward_(kind, forwarded));
    outcome.queued = forwarded.size();
  }
  if (samples.empty()) {
    Count(kind, outcome);
    return outcome;
  }
  METRIFY_ASSIGN_OR_RETURN(store::AppendCounts counts, store_.Append(kind, samples));
  outcome.inserted = counts.inserted;
  outcome.unchanged = counts.unchanged;
  outcome.revised = counts.revised;
  Count(kind, outcome);
  // Retries that changed nothing need no validation.
  if (observer_ && counts.inserted + counts.revised > 0) observer_(kind, samples);
  return outcome;
}

void IngestService::Count(model::SeriesKind kind, const IngestOutcome& outcome) const {
  if (!samples_) return;
  const std::string name(model::SeriesKindName(kind));
  const std::pair<const char*, size_t> outcomes[] = {{"inserted", outcome.inserted},
                                                     {"unchanged", outcome.unchanged},
                                                     {"revised", outcome.revised},
                                                     {"queued", outcome.queued},
                                                     {"rejected", outcome.rejected}};
  for (const auto& [label, n] : outcomes) {
    if (n > 0) samples_->Inc({name, label}, static_cast<double>(n));
  }
}

}  // namespace metrify::ingest
