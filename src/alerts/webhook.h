// WebhookNotifier: tells other systems about alerts (issue 6,
// "Notifications") by POSTing a JSON body to each configured URL, with
// retries, and hands what cannot be delivered to a dead-letter sink.
//
// What a receiver gets, per alert event and URL:
//
//   POST <path of the URL> HTTP/1.1
//   Content-Type: application/json
//   X-Metrify-Event: alert.opened        (or alert.escalated,
//                                          alert.acknowledged, alert.resolved)
//   X-Metrify-Delivery: <UUID>           same on every retry of this event to
//                                        this URL, so a receiver can drop
//                                        duplicates; differs between URLs
//   X-Metrify-Attempt: <1, 2, ...>
//   X-Metrify-Timestamp: <unix seconds when this attempt was made>
//   X-Metrify-Signature: sha256=<hex>    only when a secret is configured:
//                                        HMAC-SHA256(secret, timestamp "." body)
//                                        (alerts/webhook_signature.h)
//
// Outcome of an attempt:
//  - 2xx: delivered.
//  - 408, 429, 5xx, any other non-2xx that is not a 4xx (redirects are not
//    followed), no connection, or no answer within `timeout`: failed;
//    retried after a backoff (WebhookBackoff) until `max_attempts` attempts
//    in all, then dead-lettered with the last error.
//  - any other 4xx (400, 401, 403, 404, 410, 413, 422, ...): dead-lettered at
//    once ("HTTP 404 (client error, not retried)"). These say the receiver
//    will refuse the same request again (wrong URL, wrong secret, body
//    rejected); retrying for a minute only delays the dead letter that lets
//    someone fix it.
// Delivery is at least once: an answer lost after the receiver processed the
// request is retried.
//
// Lifecycle and threads: Create() -> Notify()... -> Stop() (or destruction).
// One background thread makes every attempt, one at a time, in order of due
// time, so a receiver that hangs delays the others by up to `timeout` per
// attempt. Notify(), stats() and Stop() are thread-safe. The secret is never
// written to logs, errors or dead letters.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "common/result.h"

namespace metrify::alerts {

struct WebhookConfig {
  // Receivers, each "http://HOST[:PORT][/PATH][?QUERY]" (alerts/webhook_url.h).
  // At least one. https is refused: not supported yet.
  std::vector<std::string> urls;
  // HMAC key for X-Metrify-Signature. Empty: requests are not signed (only
  // acceptable on a trusted network). Never logged.
  std::string secret;
  // Attempts per event and URL, the first included (>= 1). With the default
  // backoffs, 6 attempts span about 31 s before the dead letter.
  int max_attempts = 6;
  // Wait before the 2nd attempt; each later wait doubles (> 0).
  std::chrono::milliseconds first_backoff{1000};
  // Upper bound of any wait (>= first_backoff). Caps the doubling so that a
  // long outage is still probed regularly.
  std::chrono::milliseconds max_backoff{60000};
  // Bound on one attempt: resolve, connect, send, and the response header
  // (> 0). Longer tolerates slow receivers but delays the other deliveries.
  std::chrono::milliseconds timeout{5000};
  // Deliveries (event x URL) waiting, including those between retries
  // (>= 1). When full, Notify() dead-letters the oldest waiting delivery
  // ("queue full"): newer state is worth more than older.
  size_t max_queue = 10000;
  // How long Stop() keeps trying what is still queued (>= 0).
  std::chrono::milliseconds stop_deadline{2000};
};

// Receives dead letters. Called on the delivery thread, one call at a time,
// except that events notified after Stop() has begun are dead-lettered on the
// thread calling Notify(). Must not call Stop() or destroy the notifier.
using DeadLetterSink = std::function<void(const DeadLetter&)>;

// Wall clock in epoch milliseconds, for X-Metrify-Timestamp and
// failed_at_ms. Tests pass a fixed one; the default is NowMillis().
using WallClock = std::function<int64_t()>;

// The wait after `failures` failed attempts (>= 1): first_backoff *
// 2^(failures-1), capped at max_backoff, then shortened by up to 20% by
// `jitter` in [0, 1) (the notifier draws it uniformly), so receivers
// recovering from an outage are not hit by every sender at once. Never more
// than max_backoff, never less than 80% of the nominal wait.
std::chrono::milliseconds WebhookBackoff(const WebhookConfig& config, int failures, double jitter);

class WebhookNotifier {
 public:
  struct Stats {
    uint64_t delivered = 0;        // deliveries answered 2xx
    uint64_t failed_attempts = 0;  // attempts that did not get a 2xx
    uint64_t dead_lettered = 0;    // deliveries handed to the sink
    uint64_t queued = 0;           // not yet delivered or dead-lettered (in flight too)
  };

  // Checks the configuration and starts the delivery thread. Errors:
  // InvalidArgument naming the offending URL (https, malformed; see
  // ParseWebhookUrl) or setting. `sink` may be empty (dead letters are then
  // only logged); `clock` may be empty (NowMillis).
  static Result<std::unique_ptr<WebhookNotifier>> Create(WebhookConfig config, DeadLetterSink sink,
                                                         WallClock clock = {});
  // Calls Stop().
  ~WebhookNotifier();

  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Queues `json_body` for every URL and returns without touching the
  // network (it never waits for an attempt in flight). When the queue is
  // full, the oldest waiting delivery is dead-lettered ("queue full", handed
  // to the sink by the delivery thread) to make room. `event` goes into
  // X-Metrify-Event and must be a token ([A-Za-z0-9._-]+); any other is
  // dead-lettered at once ("invalid event name"). After Stop() has begun,
  // the event is dead-lettered at once with "shutdown" (attempts 0).
  void Notify(int64_t alert_id, std::string event, std::string json_body);

  // Stops accepting, lets an attempt in flight finish, tries every queued
  // delivery once more until `stop_deadline` after the call (successes are
  // delivered; failures are dead-lettered as "shutdown: <error>"),
  // dead-letters the rest as "shutdown", and joins the thread. Returns after
  // the last dead letter has been handed to the sink, so within about
  // `timeout` + `stop_deadline`. Idempotent.
  // REQUIRES: not called from the sink.
  void Stop();

  Stats stats() const;

 private:
  class Impl;
  explicit WebhookNotifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace metrify::alerts
