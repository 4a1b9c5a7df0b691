// Many clients at once: 8 threads of mixed requests against one server all
// succeed, and the registry ends up with exactly what was created.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

constexpr int kThreads = 8;
constexpr int kRequestsPerThread = 100;

// What one thread saw go wrong; empty when everything answered as expected.
using Problems = std::vector<std::string>;

// Request i of thread t: creates on i % 3 == 0, reads back its own last
// meter on 1, lists the shared city on 2. Returns the number created.
int RunMixedRequests(uint16_t port, int t, Problems& problems) {
  TestHttpClient client("127.0.0.1", port);
  int created = 0;
  std::string last_id;
  auto expect = [&](const TestResponse& r, int status, const std::string& what) {
    if (r.status != status) {
      problems.push_back(what + ": " + std::to_string(r.status) + " " + r.body.substr(0, 200));
    }
  };
  for (int i = 0; i < kRequestsPerThread; ++i) {
    if (i % 3 == 0) {
      last_id = "CONC-" + std::to_string(t) + "-" + std::to_string(i);
      expect(client.Post(std::string(kMeters),
                         R"({"id":")" + last_id +
                             R"(","city":"Concurrentia","latitude":50.1,"longitude":8.7})"),
             201, "create " + last_id);
      ++created;
    } else if (i % 3 == 1) {
      TestResponse r = client.Get(ItemPath(kMeters, last_id));
      expect(r, 200, "get " + last_id);
      if (r.status == 200 && JsonDoc(r.body).String("/id") != last_id) {
        problems.push_back("get " + last_id + " returned another meter: " + r.body.substr(0, 200));
      }
    } else {
      expect(client.Get(std::string(kMeters) + "?city=Concurrentia&page_size=10"), 200, "list");
    }
  }
  return created;
}

using ApiConcurrencyTest = ServerTest;

TEST_F(ApiConcurrencyTest, EightClientsOfMixedRequestsAllSucceed) {
  std::vector<Problems> problems(kThreads);
  std::vector<std::future<int>> created;
  for (int t = 0; t < kThreads; ++t) {
    created.push_back(std::async(std::launch::async, [this, t, &problems] {
      return RunMixedRequests(server().port(), t, problems[t]);
    }));
  }
  int total_created = 0;
  for (auto& f : created) total_created += f.get();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(problems[t], ::testing::IsEmpty()) << "thread " << t;
  }
  JsonDoc page(Get(std::string(kMeters) + "?city=Concurrentia&page_size=1000").body);
  EXPECT_EQ(page.Int("/total_count"), total_created);
  EXPECT_EQ(page.Size("/items"), static_cast<size_t>(total_created));
  EXPECT_EQ(total_created, kThreads * ((kRequestsPerThread + 2) / 3));
}

TEST_F(ApiConcurrencyTest, RacingCreatesOfOneIdLetExactlyOneWin) {
  std::atomic<bool> go{false};
  std::vector<std::future<int>> statuses;
  for (int t = 0; t < kThreads; ++t) {
    statuses.push_back(std::async(std::launch::async, [this, t, &go] {
      TestHttpClient client("127.0.0.1", server().port());
      client.Get("/health/live");  // connect before the start line
      while (!go.load()) std::this_thread::yield();
      return client
          .Post(std::string(kMeters),
                R"({"id":"RACE-1","serial":"thread-)" + std::to_string(t) + R"("})")
          .status;
    }));
  }
  go = true;
  std::vector<int> got;
  for (auto& f : statuses) got.push_back(f.get());
  EXPECT_EQ(std::count(got.begin(), got.end(), 201), 1);
  EXPECT_EQ(std::count(got.begin(), got.end(), 409), kThreads - 1);
}

}  // namespace
}  // namespace metrify::test
