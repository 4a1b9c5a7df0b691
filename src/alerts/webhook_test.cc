// WebhookNotifier against a real HTTP receiver (http::HttpServer on
// 127.0.0.1, webhook_test_receiver.h): headers and signature, several URLs,
// retries and backoff, dead letters, the bounded queue, and Stop().
//
// Backoffs are tens of milliseconds; waits are for conditions with generous
// deadlines, so the tests hold on a loaded 2-core machine.
#include "alerts/webhook.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <regex>
#include <set>

#include "alerts/webhook_signature.h"
#include "alerts/webhook_test_receiver.h"

namespace metrify::alerts {
namespace {

using std::chrono::milliseconds;
using test::DeadLetterBox;
using test::WaitUntil;
using test::WebhookTestReceiver;

constexpr char kSecret[] = "whsec_3b1f9a";
constexpr int64_t kNowMs = 1700000123456;  // the fixed wall clock
constexpr char kBody[] = R"({"alert_id":42,"event":"alert.opened","severity":"CRITICAL"})";

WallClock FixedClock() {
  return [] { return kNowMs; };
}

// Tiny backoffs so retries take milliseconds.
WebhookConfig FastConfig(std::vector<std::string> urls) {
  WebhookConfig config;
  config.urls = std::move(urls);
  config.secret = kSecret;
  config.max_attempts = 4;
  config.first_backoff = milliseconds(10);
  config.max_backoff = milliseconds(40);
  config.timeout = milliseconds(3000);
  return config;
}

std::unique_ptr<WebhookNotifier> MustCreate(WebhookConfig config, DeadLetterBox& box) {
  auto notifier = WebhookNotifier::Create(std::move(config), box.Sink(), FixedClock());
  EXPECT_TRUE(notifier.has_value()) << notifier.error().ToString();
  return notifier.has_value() ? std::move(notifier).value() : nullptr;
}

// A port on 127.0.0.1 where nothing listens: bound, then released.
uint16_t ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

void ExpectNoSecret(const std::vector<DeadLetter>& letters) {
  for (const DeadLetter& letter : letters) {
    for (const std::string& text : {letter.event, letter.url, letter.last_error, letter.payload}) {
      EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    }
  }
}

bool StatsReach(const WebhookNotifier& notifier, uint64_t delivered, uint64_t dead_lettered) {
  return WaitUntil([&] {
    auto stats = notifier.stats();
    return stats.delivered >= delivered && stats.dead_lettered >= dead_lettered;
  });
}

TEST(WebhookNotifierTest, PostsTheBodyWithAllHeadersAndAVerifiableSignature) {
  WebhookTestReceiver receiver;
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url("/hooks/metrify?team=grid")}), box);
  ASSERT_NE(notifier, nullptr);

  notifier->Notify(42, "alert.opened", kBody);
  ASSERT_TRUE(StatsReach(*notifier, 1, 0));

  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const test::ReceivedRequest& got = requests[0];
  EXPECT_EQ(got.request.method, "POST");
  EXPECT_EQ(got.request.target, "/hooks/metrify?team=grid");
  EXPECT_EQ(got.request.body, kBody);
  EXPECT_EQ(got.Header("Content-Type"), "application/json");
  EXPECT_EQ(got.Header("X-Metrify-Event"), "alert.opened");
  EXPECT_TRUE(std::regex_match(got.Header("X-Metrify-Delivery"),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << got.Header("X-Metrify-Delivery");
  EXPECT_EQ(got.Header("X-Metrify-Attempt"), "1");
  EXPECT_EQ(got.Header("X-Metrify-Timestamp"), "1700000123");
  // The same value the OpenSSL command line gives (webhook_signature_test.cc).
  const std::string signature = got.Header("X-Metrify-Signature");
  EXPECT_EQ(signature, "sha256=383ce26fb68d152bc8d83b5c220c4521b2da51d70f0a9b5e981f0a215b38b1a3");
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, "1700000123", got.request.body, signature));
  EXPECT_FALSE(VerifyWebhookSignature("whsec_other", "1700000123", got.request.body, signature));
  EXPECT_FALSE(VerifyWebhookSignature(
      kSecret, "1700000123", R"({"alert_id":43,"event":"alert.opened","severity":"CRITICAL"})",
      signature));
  notifier->Stop();
  EXPECT_TRUE(box.All().empty());
  EXPECT_EQ(notifier->stats().queued, 0u);
}

TEST(WebhookNotifierTest, UnsignedWithoutASecret) {
  WebhookTestReceiver receiver;
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.secret.clear();
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(1, "alert.resolved", "{}");
  ASSERT_TRUE(StatsReach(*notifier, 1, 0));
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].request.Header("X-Metrify-Signature").has_value());
  EXPECT_EQ(requests[0].Header("X-Metrify-Timestamp"), "1700000123");
}

TEST(WebhookNotifierTest, EveryUrlGetsTheEventWithItsOwnDeliveryId) {
  WebhookTestReceiver first, second;
  ASSERT_TRUE(first.Start().ok());
  ASSERT_TRUE(second.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({first.Url("/a"), second.Url("/b")}), box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(42, "alert.acknowledged", kBody);
  notifier->Notify(43, "alert.resolved", "{}");
  ASSERT_TRUE(StatsReach(*notifier, 4, 0));

  std::set<std::string> ids;
  for (WebhookTestReceiver* receiver : {&first, &second}) {
    auto requests = receiver->Requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].request.body, kBody);
    EXPECT_EQ(requests[0].Header("X-Metrify-Event"), "alert.acknowledged");
    EXPECT_EQ(requests[1].Header("X-Metrify-Event"), "alert.resolved");
    for (const auto& request : requests) ids.insert(request.Header("X-Metrify-Delivery"));
  }
  EXPECT_EQ(ids.size(), 4u);  // per event and URL
}

TEST(WebhookNotifierTest, EachUrlIsRetriedOnItsOwn) {
  WebhookTestReceiver healthy;
  WebhookTestReceiver broken([](int) { return 503; });
  ASSERT_TRUE(healthy.Start().ok());
  ASSERT_TRUE(broken.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({healthy.Url(), broken.Url()});
  config.max_attempts = 3;
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(7, "alert.opened", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  notifier->Stop();

  EXPECT_EQ(healthy.Count(), 1u);
  EXPECT_EQ(broken.Count(), 3u);
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].url, broken.Url());
  auto stats = notifier->stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.failed_attempts, 3u);
  EXPECT_EQ(stats.dead_lettered, 1u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(WebhookNotifierTest, RetriesUntilTheReceiverRecovers) {
  WebhookTestReceiver receiver([](int n) { return n <= 2 ? 500 : 200; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url()}), box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(42, "alert.opened", kBody);
  ASSERT_TRUE(StatsReach(*notifier, 1, 0));
  notifier->Stop();

  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i].Header("X-Metrify-Attempt"), std::to_string(i + 1));
    // A retry is the same delivery, so a receiver can drop duplicates.
    EXPECT_EQ(requests[i].Header("X-Metrify-Delivery"), requests[0].Header("X-Metrify-Delivery"));
    EXPECT_TRUE(VerifyWebhookSignature(kSecret, requests[i].Header("X-Metrify-Timestamp"), kBody,
                                       requests[i].Header("X-Metrify-Signature")));
  }
  EXPECT_TRUE(box.All().empty());
  auto stats = notifier->stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.failed_attempts, 2u);
  EXPECT_EQ(stats.dead_lettered, 0u);
}

TEST(WebhookNotifierTest, AlwaysFailingReceiverGetsMaxAttemptsThenOneDeadLetter) {
  WebhookTestReceiver receiver([](int) { return 503; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url()}), box);  // 4 attempts
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(7, "alert.escalated", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  notifier->Stop();

  EXPECT_EQ(receiver.Count(), 4u);
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].alert_id, 7);
  EXPECT_EQ(letters[0].event, "alert.escalated");
  EXPECT_EQ(letters[0].url, receiver.Url());
  EXPECT_EQ(letters[0].attempts, 4);
  EXPECT_EQ(letters[0].last_error, "HTTP 503");
  EXPECT_EQ(letters[0].payload, kBody);
  EXPECT_EQ(letters[0].failed_at_ms, kNowMs);
  ExpectNoSecret(letters);
  auto stats = notifier->stats();
  EXPECT_EQ(stats.failed_attempts, 4u);
  EXPECT_EQ(stats.dead_lettered, 1u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(WebhookNotifierTest, ClientErrorIsDeadLetteredWithoutRetry) {
  WebhookTestReceiver receiver([](int) { return 404; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url()}), box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(7, "alert.opened", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  notifier->Stop();
  EXPECT_EQ(receiver.Count(), 1u);
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].attempts, 1);
  EXPECT_EQ(letters[0].last_error, "HTTP 404 (client error, not retried)");
}

TEST(WebhookNotifierTest, TooManyRequestsAndRequestTimeoutAreRetried) {
  WebhookTestReceiver receiver([](int n) { return n == 1 ? 429 : n == 2 ? 408 : 204; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url()}), box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(7, "alert.opened", kBody);
  ASSERT_TRUE(StatsReach(*notifier, 1, 0));
  notifier->Stop();
  EXPECT_EQ(receiver.Count(), 3u);
  EXPECT_TRUE(box.All().empty());
}

TEST(WebhookNotifierTest, UnreachableUrlIsRetriedThenDeadLettered) {
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook";
  DeadLetterBox box;
  WebhookConfig config = FastConfig({url});
  config.max_attempts = 3;
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(9, "alert.opened", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].url, url);
  EXPECT_EQ(letters[0].attempts, 3);
  EXPECT_TRUE(letters[0].last_error.starts_with("cannot connect: ")) << letters[0].last_error;
  ExpectNoSecret(letters);
  EXPECT_EQ(notifier->stats().failed_attempts, 3u);
}

TEST(WebhookNotifierTest, SlowReceiverTimesOut) {
  // The receiver answers 200 only after 1 s; the notifier waits 150 ms.
  WebhookTestReceiver receiver([](int) { return 200; },
                               [](int) { std::this_thread::sleep_for(milliseconds(1000)); });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.max_attempts = 1;
  config.timeout = milliseconds(150);
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(9, "alert.opened", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].last_error, "timed out after 150 ms");
  EXPECT_EQ(notifier->stats().delivered, 0u);
}

TEST(WebhookNotifierTest, BackoffDoublesBetweenAttempts) {
  WebhookTestReceiver receiver([](int) { return 500; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.max_attempts = 5;
  config.first_backoff = milliseconds(40);
  config.max_backoff = milliseconds(1000);
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(9, "alert.opened", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 5u);
  // Waits of 40, 80, 160, 320 ms, each shortened by at most 20% jitter; the
  // gaps between arrivals also include the attempts themselves, so only the
  // lower bounds are firm.
  const int64_t nominal[] = {40, 80, 160, 320};
  for (int i = 0; i < 4; ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(requests[i + 1].at - requests[i].at);
    EXPECT_GE(gap.count(), nominal[i] * 8 / 10) << "gap " << i;
  }
}

TEST(WebhookNotifierTest, FullQueueDeadLettersTheOldest) {
  // The first request is held until released, so the queue fills behind it.
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  auto release = [&] {
    std::lock_guard lock(mutex);
    released = true;
    released_cv.notify_all();
  };
  WebhookTestReceiver receiver([](int) { return 200; },
                               [&](int n) {
                                 if (n != 1) return;
                                 std::unique_lock lock(mutex);
                                 released_cv.wait(lock, [&] { return released; });
                               });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.max_queue = 2;
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);

  notifier->Notify(1, "alert.opened", R"({"id":1})");
  if (!receiver.WaitForCount(1)) release();
  ASSERT_EQ(receiver.Count(), 1u);  // alert 1 is in flight
  notifier->Notify(2, "alert.opened", R"({"id":2})");
  notifier->Notify(3, "alert.opened", R"({"id":3})");
  notifier->Notify(4, "alert.opened", R"({"id":4})");  // evicts alert 2
  EXPECT_EQ(notifier->stats().queued, 4u);
  release();

  ASSERT_TRUE(box.WaitForCount(1));
  ASSERT_TRUE(StatsReach(*notifier, 3, 1));
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].alert_id, 2);
  EXPECT_EQ(letters[0].last_error, "queue full");
  EXPECT_EQ(letters[0].attempts, 0);
  EXPECT_EQ(letters[0].payload, R"({"id":2})");
  std::vector<std::string> bodies;
  for (const auto& request : receiver.Requests()) bodies.push_back(request.request.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{R"({"id":1})", R"({"id":3})", R"({"id":4})"}));
  EXPECT_EQ(notifier->stats().queued, 0u);
}

TEST(WebhookNotifierTest, StopTriesWhatIsQueuedOnceMore) {
  // First attempts fail; the retries would come a minute later, but Stop()
  // tries them at once and the receiver has recovered.
  WebhookTestReceiver receiver([](int n) { return n <= 2 ? 500 : 200; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.first_backoff = config.max_backoff = milliseconds(60000);
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(1, "alert.opened", "{}");
  notifier->Notify(2, "alert.opened", "{}");
  ASSERT_TRUE(WaitUntil([&] { return notifier->stats().failed_attempts == 2; }));

  auto started = std::chrono::steady_clock::now();
  notifier->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(receiver.Count(), 4u);
  EXPECT_TRUE(box.All().empty());
  auto stats = notifier->stats();
  EXPECT_EQ(stats.delivered, 2u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(WebhookNotifierTest, StopDeadLettersWhatItCannotDeliver) {
  WebhookTestReceiver receiver([](int) { return 503; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.first_backoff = config.max_backoff = milliseconds(60000);
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  for (int id = 1; id <= 3; ++id) notifier->Notify(id, "alert.opened", kBody);
  ASSERT_TRUE(WaitUntil([&] { return notifier->stats().failed_attempts == 3; }));

  notifier->Stop();
  EXPECT_EQ(receiver.Count(), 6u);  // one more attempt each
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(letters[i].alert_id, i + 1);  // oldest first
    EXPECT_EQ(letters[i].attempts, 2);
    EXPECT_EQ(letters[i].last_error, "shutdown: HTTP 503");
  }
  ExpectNoSecret(letters);
  EXPECT_EQ(notifier->stats().queued, 0u);
}

TEST(WebhookNotifierTest, StopPastItsDeadlineDeadLettersWithoutTrying) {
  WebhookTestReceiver receiver([](int) { return 503; });
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  WebhookConfig config = FastConfig({receiver.Url()});
  config.first_backoff = config.max_backoff = milliseconds(60000);
  config.stop_deadline = milliseconds(0);
  auto notifier = MustCreate(config, box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(1, "alert.opened", kBody);
  notifier->Notify(2, "alert.opened", kBody);
  ASSERT_TRUE(WaitUntil([&] { return notifier->stats().failed_attempts == 2; }));

  notifier->Stop();
  EXPECT_EQ(receiver.Count(), 2u);
  auto letters = box.All();
  ASSERT_EQ(letters.size(), 2u);
  for (const DeadLetter& letter : letters) {
    EXPECT_EQ(letter.last_error, "shutdown");
    EXPECT_EQ(letter.attempts, 1);
  }
  // After Stop() nothing is sent: the event is dead-lettered at once.
  notifier->Notify(3, "alert.resolved", "{}");
  letters = box.All();
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_EQ(letters[2].alert_id, 3);
  EXPECT_EQ(letters[2].last_error, "shutdown");
  EXPECT_EQ(letters[2].attempts, 0);
  EXPECT_EQ(receiver.Count(), 2u);
}

TEST(WebhookNotifierTest, EventThatIsNotATokenIsDeadLettered) {
  WebhookTestReceiver receiver;
  ASSERT_TRUE(receiver.Start().ok());
  DeadLetterBox box;
  auto notifier = MustCreate(FastConfig({receiver.Url()}), box);
  ASSERT_NE(notifier, nullptr);
  notifier->Notify(5, "alert.opened\r\nX-Injected: 1", kBody);
  ASSERT_TRUE(box.WaitForCount(1));
  EXPECT_EQ(box.All()[0].last_error, "invalid event name");
  notifier->Stop();
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(WebhookNotifierTest, CreateRefusesHttpsAndMalformedUrlsNamingThem) {
  for (const char* url : {"https://alerts.example.net/hook", "http://alerts.example.net:99999/",
                          "alerts.example.net/hook"}) {
    WebhookConfig config = FastConfig({"http://127.0.0.1:9/ok", url});
    auto notifier = WebhookNotifier::Create(config, {});
    ASSERT_FALSE(notifier.has_value()) << url;
    EXPECT_EQ(notifier.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(notifier.error().message().find(url), std::string::npos)
        << notifier.error().message();
    EXPECT_EQ(notifier.error().ToString().find(kSecret), std::string::npos);
  }
}

TEST(WebhookNotifierTest, CreateRefusesUnusableSettings) {
  std::vector<std::function<void(WebhookConfig&)>> breakages = {
      [](WebhookConfig& c) { c.urls.clear(); },
      [](WebhookConfig& c) { c.max_attempts = 0; },
      [](WebhookConfig& c) { c.first_backoff = milliseconds(0); },
      [](WebhookConfig& c) { c.max_backoff = milliseconds(5); },
      [](WebhookConfig& c) { c.timeout = milliseconds(0); },
      [](WebhookConfig& c) { c.max_queue = 0; },
      [](WebhookConfig& c) { c.stop_deadline = milliseconds(-1); },
  };
  for (size_t i = 0; i < breakages.size(); ++i) {
    WebhookConfig config = FastConfig({"http://127.0.0.1:9/ok"});
    breakages[i](config);
    auto notifier = WebhookNotifier::Create(config, {});
    ASSERT_FALSE(notifier.has_value()) << i;
    EXPECT_EQ(notifier.error().code(), StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(notifier.error().ToString().find(kSecret), std::string::npos);
  }
}

}  // namespace
}  // namespace metrify::alerts
