// AlertPublisher: the FindingSink of scaled mode's ingest workers
// (docs/scaled.md "Detection and alerts"). Detection there judges the
// sources of the worker's partitions; their findings and clears go, one
// message per source and turn (queue/alert_report.h), to metrify.alerts
// with the source id as key, where the monitor's AlertManager folds them
// into alerts in order. Report returns once the brokers acknowledged them.
//
// What detection asks back is answered without waiting for the monitor:
// - Which clears are released (no open alert any more): the clear that
//   passes its type's clear period (the monitor resolves the alert with
//   it, by the same rule), and a clear of an alert the store no longer
//   lists as open (a person resolved it), believed only `settle` after
//   this publisher last sent a finding of it, so a monitor a little
//   behind does not make an open alert look resolved.
// - IsOpen: the store's open alerts (PgAlertStore), listed at most every
//   `open_ttl`.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alert_store.h"
#include "alerts/finding_sink.h"
#include "queue/kafka_producer.h"

namespace metrify::alerts {

struct AlertPublisherOptions {
  std::string producer = "metrify-worker";  // names this process in the envelope
  // The clear period of an alert type, as the monitor's AlertManager has
  // it (the rules file's auto_resolve); nullopt: people resolve it.
  std::function<std::optional<int64_t>(std::string_view type)> clear_for_ms;
  std::chrono::milliseconds open_ttl{5000};
  std::chrono::milliseconds settle{30000};
};

struct AlertPublisherStats {
  uint64_t messages = 0;  // reports acknowledged by the brokers
  uint64_t failed = 0;    // Report calls the brokers did not acknowledge
};

class AlertPublisher final : public FindingSink {
 public:
  // `producer` and `store` must outlive the publisher.
  AlertPublisher(queue::KafkaProducer& producer, const AlertStore& store,
                 AlertPublisherOptions options);

  // Errors: the producer's (Unavailable while the brokers do not
  // acknowledge); nothing of the call is then tracked.
  Result<std::vector<size_t>> Report(std::span<const Finding> findings,
                                     std::span<const Clear> clears) override;
  bool IsOpen(SourceKind kind, std::string_view source_id, std::string_view rule) const override;

  AlertPublisherStats stats() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // A (source, rule) this publisher sent a finding of, or found open.
  struct Sent {
    std::string type;
    int64_t last_finding_ms = INT64_MIN;
    int64_t clear_since_ms = INT64_MIN;
    SteadyTime published{};
  };
  struct Listed {
    std::string type;
    int64_t last_seen_ms = 0;
  };
  static std::string KeyOf(SourceKind kind, std::string_view source_id, std::string_view rule);
  // Lists the store's open alerts when the list is older than open_ttl;
  // keeps the old list when the store fails. REQUIRES: mu_ held.
  void RefreshOpen() const;
  // Whether `clear` is released. REQUIRES: mu_ held.
  bool Released(const Clear& clear);

  queue::KafkaProducer& producer_;
  const AlertStore& store_;
  const AlertPublisherOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Sent> sent_;              // guarded by mu_
  mutable std::unordered_map<std::string, Listed> listed_;  // guarded by mu_
  mutable SteadyTime listed_at_{};                          // guarded by mu_
  mutable bool ever_listed_ = false;                        // guarded by mu_
  mutable SteadyTime tried_at_{};                           // guarded by mu_
  mutable bool tried_ = false;                              // guarded by mu_
  AlertPublisherStats stats_;                               // guarded by mu_
};

}  // namespace metrify::alerts
