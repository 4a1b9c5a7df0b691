// The Redis client (cache/redis_client.h) against a real Redis 7
// (support/redis_server.h): typed replies, pipelines, scripts, the database
// and password of the URL, timeouts, a shared pool, and an outage reported
// as Unavailable and recovered from on the next call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "cache/redis_client.h"
#include "cache/redis_script.h"
#include "support/redis_server.h"

namespace metrify::cache {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<RedisClient> NewClient(const std::string& url, int max_connections = 4,
                                       milliseconds command_timeout = milliseconds(2000)) {
  auto client = RedisClient::Create({.url = url,
                                     .connect_timeout = milliseconds(2000),
                                     .command_timeout = command_timeout,
                                     .max_connections = max_connections});
  EXPECT_TRUE(client.has_value()) << client.error().message();
  return client.has_value() ? std::move(client).value() : nullptr;
}

class RedisClientTest : public ::testing::Test {
 protected:
  test::RedisServer server_;
  std::unique_ptr<RedisClient> client_ = NewClient(server_.url());
};

TEST_F(RedisClientTest, CommandsReturnTypedReplies) {
  Result<RedisReply> set = client_->Command({"SET", "k", std::string("a\0b", 3)});
  ASSERT_TRUE(set.has_value()) << set.error().message();
  EXPECT_EQ(set->str, "OK");
  EXPECT_EQ(client_->Command({"GET", "k"})->str, std::string("a\0b", 3));  // binary-safe
  EXPECT_TRUE(client_->Command({"GET", "missing"})->is_nil());
  EXPECT_EQ(client_->Command({"INCRBY", "n", "41"})->integer, 41);
  ASSERT_TRUE(client_->Command({"RPUSH", "list", "x", "y"}).has_value());
  RedisReply range = *client_->Command({"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(range.type, RedisReply::Type::kArray);
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].str, "y");
}

TEST_F(RedisClientTest, ErrorRepliesAreStatusesAndLeaveTheConnectionUsable) {
  ASSERT_TRUE(client_->Command({"RPUSH", "l", "x"}).has_value());
  Result<RedisReply> wrong_type = client_->Command({"INCR", "l"});
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_EQ(wrong_type.error().code(), StatusCode::kInternal);
  EXPECT_THAT(wrong_type.error().message(), HasSubstr("WRONGTYPE"));
  EXPECT_EQ(client_->Command({"NOSUCHCOMMAND"}).error().code(), StatusCode::kInternal);
  EXPECT_TRUE(client_->Ping().ok());
}

TEST_F(RedisClientTest, PipelineRunsEveryCommandInOrder) {
  const std::array<RedisArgv, 4> commands{RedisArgv{"SET", "a", "1"}, RedisArgv{"INCR", "a"},
                                          RedisArgv{"INCR", "a"}, RedisArgv{"GET", "a"}};
  Result<std::vector<RedisReply>> replies = client_->Pipeline(commands);
  ASSERT_TRUE(replies.has_value()) << replies.error().message();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[2].integer, 3);
  EXPECT_EQ((*replies)[3].str, "3");
}

TEST_F(RedisClientTest, PipelineWithAnErrorReportsItAfterRunningTheRest) {
  ASSERT_TRUE(client_->Command({"RPUSH", "l", "x"}).has_value());
  const std::array<RedisArgv, 3> commands{RedisArgv{"INCR", "l"}, RedisArgv{"SET", "after", "1"},
                                          RedisArgv{"INCR", "l"}};
  Result<std::vector<RedisReply>> replies = client_->Pipeline(commands);
  ASSERT_FALSE(replies.has_value());
  EXPECT_THAT(replies.error().message(), HasSubstr("WRONGTYPE"));
  EXPECT_EQ(client_->Command({"GET", "after"})->str, "1");
}

TEST_F(RedisClientTest, MultiExecRepliesAsOneArray) {
  const std::array<RedisArgv, 4> commands{RedisArgv{"MULTI"}, RedisArgv{"INCR", "c"},
                                          RedisArgv{"PEXPIRE", "c", "60000"}, RedisArgv{"EXEC"}};
  Result<std::vector<RedisReply>> replies = client_->Pipeline(commands);
  ASSERT_TRUE(replies.has_value()) << replies.error().message();
  EXPECT_EQ((*replies)[1].str, "QUEUED");
  ASSERT_EQ(replies->back().elements.size(), 2u);
  EXPECT_EQ(replies->back().elements[0].integer, 1);
}

TEST_F(RedisClientTest, ScriptsSurviveAScriptFlush) {
  RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(script.Eval(*client_, {"s"}, {"2"})->integer, 2);
  ASSERT_TRUE(client_->Command({"SCRIPT", "FLUSH"}).has_value());
  EXPECT_EQ(client_->Command({"SCRIPT", "EXISTS", script.sha1()})->elements[0].integer, 0);
  EXPECT_EQ(script.Eval(*client_, {"s"}, {"3"})->integer, 5);  // NOSCRIPT, then EVAL
  EXPECT_EQ(client_->Command({"SCRIPT", "EXISTS", script.sha1()})->elements[0].integer, 1);
  RedisScript failing("return redis.call('INCR')");
  EXPECT_EQ(failing.Eval(*client_, {}, {}).error().code(), StatusCode::kInternal);
}

TEST_F(RedisClientTest, UsesTheDatabaseOfTheUrl) {
  const std::string db2_url = "redis://127.0.0.1:" + std::to_string(server_.port()) + "/2";
  std::unique_ptr<RedisClient> db2 = NewClient(db2_url);
  ASSERT_TRUE(db2->Command({"SET", "where", "db2"}).has_value());
  EXPECT_TRUE(client_->Command({"GET", "where"})->is_nil());
  EXPECT_EQ(db2->Command({"GET", "where"})->str, "db2");
}

TEST_F(RedisClientTest, ConcurrentCallersShareASmallPool) {
  std::unique_ptr<RedisClient> pooled = NewClient(server_.url(), 2);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) failures += !pooled->Command({"INCR", "hits"}).has_value();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client_->Command({"GET", "hits"})->str, "1600");
  // At most two connections were opened, plus the one of the checking client.
  RedisReply clients = *client_->Command({"CLIENT", "LIST"});
  EXPECT_LE(std::count(clients.str.begin(), clients.str.end(), '\n'), 3);
}

TEST_F(RedisClientTest, SlowReplyIsUnavailableAndTheNextCallWorks) {
  std::unique_ptr<RedisClient> impatient = NewClient(server_.url(), 1, milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  Result<RedisReply> blocked = impatient->Command({"BLPOP", "never", "2"});
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(blocked.error().message(), HasSubstr("no reply within 200 ms"));
  EXPECT_LT(waited, std::chrono::milliseconds(1500));
  EXPECT_TRUE(impatient->Ping().ok());  // a new connection, not the one awaiting BLPOP
}

TEST_F(RedisClientTest, UnavailableWhileStoppedAndBackOnTheNextCallAfterRestart) {
  ASSERT_TRUE(client_->Command({"SET", "k", "v"}).has_value());  // leaves an idle connection
  ASSERT_EQ(server_.Stop(), 0);
  Result<RedisReply> down = client_->Command({"GET", "k"});
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(down.error().message(),
              HasSubstr("Redis at 127.0.0.1:" + std::to_string(server_.port())));
  EXPECT_EQ(client_->Ping().code(), StatusCode::kUnavailable);
  server_.Start();
  // The first call after the restart already works: Redis starts empty.
  Result<RedisReply> back = client_->Command({"GET", "k"});
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_TRUE(back->is_nil());
}

TEST_F(RedisClientTest, RestartWhileIdleIsNoticedBeforeTheNextCall) {
  ASSERT_TRUE(client_->Ping().ok());
  ASSERT_EQ(server_.Stop(), 0);
  server_.Start();
  EXPECT_TRUE(client_->Ping().ok());
}

TEST_F(RedisClientTest, PasswordIsUsedAndNeverShown) {
  const std::string secret = "Sup3r-secret-pw";
  ASSERT_TRUE(client_->Command({"CONFIG", "SET", "requirepass", secret}).has_value());
  const std::string host_port = "127.0.0.1:" + std::to_string(server_.port());

  std::unique_ptr<RedisClient> with_password = NewClient("redis://:" + secret + "@" + host_port);
  ASSERT_TRUE(with_password->Ping().ok());

  std::unique_ptr<RedisClient> acl_user =
      NewClient("redis://default:" + secret + "@" + host_port + "/1");
  EXPECT_TRUE(acl_user->Ping().ok());

  std::unique_ptr<RedisClient> wrong = NewClient("redis://:not-" + secret + "@" + host_port);
  Status refused = wrong->Ping();
  EXPECT_EQ(refused.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.message(), Not(HasSubstr(secret)));
  EXPECT_THAT(refused.message(), HasSubstr(host_port));

  std::unique_ptr<RedisClient> without = NewClient("redis://" + host_port);
  EXPECT_EQ(without->Ping().code(), StatusCode::kUnauthenticated);

  ASSERT_EQ(server_.Stop(), 0);
  Status down = with_password->Ping();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_THAT(down.message(), HasSubstr(host_port));
  EXPECT_THAT(down.message(), Not(HasSubstr(secret)));

  Result<std::unique_ptr<RedisClient>> bad =
      RedisClient::Create({.url = "redis://:" + secret + "@" + "127.0.0.1:0"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), Not(HasSubstr(secret)));
}

TEST(RedisClientOptionsTest, RejectsBadOptionsWithoutConnecting) {
  EXPECT_EQ(RedisClient::Create({.url = "redis://h", .max_connections = 0}).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      RedisClient::Create({.url = "redis://h", .command_timeout = milliseconds(0)}).error().code(),
      StatusCode::kInvalidArgument);
  // Creating never connects: an unreachable Redis fails the first call.
  Result<std::unique_ptr<RedisClient>> client = RedisClient::Create({.url = "redis://127.0.0.1:1"});
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ((*client)->Ping().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace metrify::cache
