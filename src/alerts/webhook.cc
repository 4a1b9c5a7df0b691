// WebhookNotifier: one delivery thread over a queue of deliveries (one per
// event and URL). `pending_` holds the waiting deliveries by sequence number
// (oldest first: the one a full queue evicts, the order Stop() drains in);
// `schedule_` indexes the same deliveries by due time for the delivery
// thread. A delivery being attempted is in neither, so Notify() never waits
// for the network.
#include "alerts/webhook.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "alerts/webhook_post.h"
#include "alerts/webhook_signature.h"
#include "alerts/webhook_url.h"
#include "common/time.h"
#include "obs/log.h"

namespace metrify::alerts {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What Notify() was given, shared by the deliveries to each URL.
struct Event {
  int64_t alert_id = 0;
  std::string name;
  std::string body;
};

struct Delivery {
  uint64_t seq = 0;
  std::shared_ptr<const Event> event;
  size_t url_index = 0;
  std::string id;  // X-Metrify-Delivery, kept across retries
  int attempts = 0;
  SteadyClock::time_point due;
};

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// A random (version 4) UUID.
std::string NewDeliveryId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::random_device device;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(device());
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex.push_back('-');
    hex += fmt::format("{:02x}", bytes[i]);
  }
  return hex;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// 4xx says the same request will be refused again, except 408 (the receiver
// timed out) and 429 (it asks us to slow down).
bool IsPermanent(int status) {
  return status >= 400 && status < 500 && status != 408 && status != 429;
}

std::string DescribeFailure(const PostOutcome& outcome) {
  if (outcome.status == 0) return outcome.error;
  if (IsPermanent(outcome.status)) {
    return fmt::format("HTTP {} (client error, not retried)", outcome.status);
  }
  return fmt::format("HTTP {}", outcome.status);
}

Status ValidateConfig(const WebhookConfig& config) {
  auto bad = [](std::string what) {
    return Status::InvalidArgument(fmt::format("webhook configuration: {}", what));
  };
  if (config.urls.empty()) return bad("at least one URL is needed");
  if (config.max_attempts < 1) return bad("max_attempts must be at least 1");
  if (config.first_backoff.count() <= 0) return bad("first_backoff must be positive");
  if (config.max_backoff < config.first_backoff) {
    return bad("max_backoff must not be less than first_backoff");
  }
  if (config.timeout.count() <= 0) return bad("timeout must be positive");
  if (config.max_queue < 1) return bad("max_queue must be at least 1");
  if (config.stop_deadline.count() < 0) return bad("stop_deadline must not be negative");
  return Status::Ok();
}

}  // namespace

milliseconds WebhookBackoff(const WebhookConfig& config, int failures, double jitter) {
  // Doubling in floating point cannot overflow; the cap applies before the
  // conversion back.
  double nominal = static_cast<double>(config.first_backoff.count()) *
                   std::pow(2.0, std::clamp(failures, 1, 64) - 1);
  nominal = std::min(nominal, static_cast<double>(config.max_backoff.count()));
  double shortened = nominal * (1.0 - 0.2 * std::clamp(jitter, 0.0, 1.0));
  return milliseconds(static_cast<int64_t>(std::ceil(shortened)));
}

class WebhookNotifier::Impl {
 public:
  Impl(WebhookConfig config, std::vector<WebhookUrl> urls, DeadLetterSink sink, WallClock clock)
      : config_(std::move(config)),
        urls_(std::move(urls)),
        sink_(std::move(sink)),
        clock_(std::move(clock)),
        rng_(std::random_device{}()) {}

  void Start() {
    worker_ = std::thread([this] { Run(); });
  }
  void Notify(int64_t alert_id, std::string event, std::string json_body);
  void Stop();
  Stats stats() const;

 private:
  using Lock = std::unique_lock<std::mutex>;
  void Run();
  void Drain(Lock& lock);
  void Enqueue(Delivery delivery, Lock& lock);
  Delivery Take(uint64_t seq);
  void EvictOldest();
  PostOutcome Attempt(Delivery& delivery, milliseconds timeout);
  void Settle(Delivery delivery, const PostOutcome& outcome, Lock& lock);
  void GiveUp(const Delivery& delivery, std::string error, Lock& lock);
  void FlushRejected(Lock& lock);
  void Hand(const DeadLetter& letter);

  const WebhookConfig config_;
  const std::vector<WebhookUrl> urls_;
  const DeadLetterSink sink_;
  const WallClock clock_;
  std::mt19937_64 rng_;  // jitter; delivery thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Delivery> pending_;
  std::set<std::pair<SteadyClock::time_point, uint64_t>> schedule_;
  // Deliveries dead-lettered by Notify() ("queue full", "invalid event
  // name"); the delivery thread hands them to the sink.
  std::vector<std::pair<Delivery, std::string>> rejected_;
  bool stopping_ = false;
  SteadyClock::time_point drain_deadline_;
  Stats stats_;

  std::mutex join_mutex_;
  std::thread worker_;
};

void WebhookNotifier::Impl::Notify(int64_t alert_id, std::string event, std::string json_body) {
  auto shared =
      std::make_shared<const Event>(Event{alert_id, std::move(event), std::move(json_body)});
  bool valid = IsToken(shared->name);
  Lock lock(mutex_);
  for (size_t i = 0; i < urls_.size(); ++i) {
    Delivery delivery{next_seq_++, shared, i, NewDeliveryId(), 0, SteadyClock::now()};
    ++stats_.queued;
    if (stopping_) {
      GiveUp(delivery, "shutdown", lock);  // the delivery thread may be gone
    } else if (!valid) {
      rejected_.emplace_back(std::move(delivery), "invalid event name");
    } else {
      Enqueue(std::move(delivery), lock);
    }
  }
  lock.unlock();
  wake_.notify_one();
}

void WebhookNotifier::Impl::Enqueue(Delivery delivery, Lock&) {
  while (pending_.size() >= config_.max_queue) EvictOldest();
  schedule_.emplace(delivery.due, delivery.seq);
  pending_.emplace(delivery.seq, std::move(delivery));
}

void WebhookNotifier::Impl::EvictOldest() {
  Delivery oldest = Take(pending_.begin()->first);
  rejected_.emplace_back(std::move(oldest), "queue full");
}

Delivery WebhookNotifier::Impl::Take(uint64_t seq) {
  auto it = pending_.find(seq);
  Delivery delivery = std::move(it->second);
  pending_.erase(it);
  schedule_.erase({delivery.due, seq});
  return delivery;
}

// The delivery loop: hand over rejected deliveries, then attempt whatever is
// due, else sleep until the next due time or a Notify()/Stop() wakes it.
void WebhookNotifier::Impl::Run() {
  Lock lock(mutex_);
  while (true) {
    FlushRejected(lock);
    if (stopping_) break;
    if (schedule_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto [due, seq] = *schedule_.begin();
    if (SteadyClock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    Delivery delivery = Take(seq);
    lock.unlock();
    PostOutcome outcome = Attempt(delivery, config_.timeout);
    lock.lock();
    Settle(std::move(delivery), outcome, lock);
  }
  Drain(lock);
}

PostOutcome WebhookNotifier::Impl::Attempt(Delivery& delivery, milliseconds timeout) {
  ++delivery.attempts;
  const Event& event = *delivery.event;
  std::string timestamp = std::to_string(FloorDiv(clock_(), 1000));
  WebhookHeaders headers = {
      {"Content-Type", "application/json"},
      {"X-Metrify-Event", event.name},
      {"X-Metrify-Delivery", delivery.id},
      {"X-Metrify-Attempt", std::to_string(delivery.attempts)},
      {"X-Metrify-Timestamp", timestamp},
  };
  if (!config_.secret.empty()) {
    headers.emplace_back("X-Metrify-Signature", SignWebhook(config_.secret, timestamp, event.body));
  }
  return PostWebhook(urls_[delivery.url_index], headers, event.body, timeout);
}

void WebhookNotifier::Impl::Settle(Delivery delivery, const PostOutcome& outcome, Lock& lock) {
  if (IsSuccess(outcome.status)) {
    ++stats_.delivered;
    --stats_.queued;
    return;
  }
  ++stats_.failed_attempts;
  std::string error = DescribeFailure(outcome);
  obs::LogDebug("webhook attempt failed", {{"alert_id", delivery.event->alert_id},
                                           {"url", urls_[delivery.url_index].text},
                                           {"attempt", delivery.attempts},
                                           {"error", error}});
  if (IsPermanent(outcome.status) || delivery.attempts >= config_.max_attempts) {
    GiveUp(delivery, std::move(error), lock);
    return;
  }
  double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  delivery.due = SteadyClock::now() + WebhookBackoff(config_, delivery.attempts, jitter);
  // Notify() may have filled the queue meanwhile; this delivery competes for
  // a place like any other (and is the one evicted if it is the oldest).
  Enqueue(std::move(delivery), lock);
}

// Stop(): one more attempt for each waiting delivery, oldest first, while
// the deadline lasts; the rest are dead-lettered without an attempt.
void WebhookNotifier::Impl::Drain(Lock& lock) {
  std::vector<Delivery> left;
  for (auto& [seq, delivery] : pending_) left.push_back(std::move(delivery));
  pending_.clear();
  schedule_.clear();
  for (Delivery& delivery : left) {
    FlushRejected(lock);
    auto remaining = std::chrono::ceil<milliseconds>(drain_deadline_ - SteadyClock::now());
    if (remaining.count() <= 0) {
      GiveUp(delivery, "shutdown", lock);
      continue;
    }
    lock.unlock();
    PostOutcome outcome = Attempt(delivery, std::min(config_.timeout, remaining));
    lock.lock();
    if (IsSuccess(outcome.status)) {
      ++stats_.delivered;
      --stats_.queued;
    } else {
      ++stats_.failed_attempts;
      GiveUp(delivery, "shutdown: " + DescribeFailure(outcome), lock);
    }
  }
  FlushRejected(lock);
}

void WebhookNotifier::Impl::FlushRejected(Lock& lock) {
  while (!rejected_.empty()) {
    auto [delivery, error] = std::move(rejected_.front());
    rejected_.erase(rejected_.begin());
    GiveUp(delivery, std::move(error), lock);
  }
}

// Counts the dead letter under the lock, then hands it over without the lock
// so that a slow sink does not hold up Notify().
void WebhookNotifier::Impl::GiveUp(const Delivery& delivery, std::string error, Lock& lock) {
  --stats_.queued;
  ++stats_.dead_lettered;
  const Event& event = *delivery.event;
  DeadLetter letter{event.alert_id,    event.name,       urls_[delivery.url_index].text,
                    delivery.attempts, std::move(error), event.body,
                    clock_()};
  lock.unlock();
  Hand(letter);
  lock.lock();
}

void WebhookNotifier::Impl::Hand(const DeadLetter& letter) {
  obs::LogWarn("webhook delivery dead-lettered", {{"alert_id", letter.alert_id},
                                                  {"event", letter.event},
                                                  {"url", letter.url},
                                                  {"attempts", letter.attempts},
                                                  {"error", letter.last_error}});
  if (!sink_) return;
  try {
    sink_(letter);
  } catch (const std::exception& e) {
    obs::LogError("webhook dead-letter sink failed",
                  {{"alert_id", letter.alert_id}, {"error", e.what()}});
  }
}

void WebhookNotifier::Impl::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = SteadyClock::now() + config_.stop_deadline;
    }
  }
  wake_.notify_all();
  std::lock_guard join_lock(join_mutex_);
  if (worker_.joinable()) worker_.join();
}

WebhookNotifier::Stats WebhookNotifier::Impl::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Create(WebhookConfig config,
                                                                 DeadLetterSink sink,
                                                                 WallClock clock) {
  METRIFY_RETURN_IF_ERROR(ValidateConfig(config));
  std::vector<WebhookUrl> urls;
  for (const std::string& url : config.urls) {
    METRIFY_ASSIGN_OR_RETURN(WebhookUrl parsed, ParseWebhookUrl(url));
    urls.push_back(std::move(parsed));
  }
  if (!clock) clock = [] { return NowMillis(); };
  auto impl =
      std::make_unique<Impl>(std::move(config), std::move(urls), std::move(sink), std::move(clock));
  impl->Start();
  return std::unique_ptr<WebhookNotifier>(new WebhookNotifier(std::move(impl)));
}

WebhookNotifier::WebhookNotifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookNotifier::~WebhookNotifier() { Stop(); }

void WebhookNotifier::Notify(int64_t alert_id, std::string event, std::string json_body) {
  impl_->Notify(alert_id, std::move(event), std::move(json_body));
}

void WebhookNotifier::Stop() { impl_->Stop(); }

WebhookNotifier::Stats WebhookNotifier::stats() const { return impl_->stats(); }

}  // namespace metrify::alerts
