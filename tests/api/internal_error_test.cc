// A 500 never shows its cause to the client, while the log has the cause
// under the same request id. The cause is made real: a row of the registry
// is corrupted behind the server's back with the SQLite C API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs one statement on the registry file of a stopped server; returns the
// number of rows it changed.
int ChangeRegistry(const std::string& data_dir, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string path = data_dir + "/registry.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return -1;
  }
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << (error ? error : "?");
    sqlite3_free(error);
  }
  int changed = sqlite3_changes(db);
  sqlite3_close(db);
  return changed;
}

class ApiInternalErrorTest : public ::testing::Test {
 protected:
  // Creates two meters, then corrupts CORRUPT-1's status while the server is
  // down, and starts it again.
  void SetUp() override {
    TestHttpClient client("127.0.0.1", server_.port());
    ASSERT_EQ(client.Post(std::string(kMeters), R"({"id":"CORRUPT-1"})").status, 201);
    ASSERT_EQ(client.Post(std::string(kMeters), R"({"id":"HEALTHY-1"})").status, 201);
    client.Close();
    ASSERT_EQ(server_.Stop(SIGTERM), 0);
    ASSERT_EQ(ChangeRegistry(server_.data_dir(),
                             "UPDATE meters SET status = 'BOGUS' WHERE id = 'CORRUPT-1'"),
              1);
    server_.Start();
  }

  ServerProcess server_;
};

TEST_F(ApiInternalErrorTest, CorruptRowAnswers500WithoutLeakingTheCause) {
  TestHttpClient client("127.0.0.1", server_.port());
  TestResponse r = client.Get(ItemPath(kMeters, "CORRUPT-1"));
  EXPECT_TRUE(IsApiError(r, 500, "internal"));
  EXPECT_THAT(r.body, Not(HasSubstr("BOGUS")));
  EXPECT_THAT(r.body, Not(HasSubstr(server_.data_dir())));
  EXPECT_THAT(r.body, Not(HasSubstr("registry.db")));
  EXPECT_THAT(r.body, Not(HasSubstr("/tmp")));
  EXPECT_THAT(r.body, Not(HasSubstr("sqlite")));
}

TEST_F(ApiInternalErrorTest, LogHasTheCauseUnderTheResponsesRequestId) {
  TestHttpClient client("127.0.0.1", server_.port());
  TestResponse r = client.Get(ItemPath(kMeters, "CORRUPT-1"));
  ASSERT_EQ(r.status, 500);
  std::string request_id = r.Header("X-Request-ID");
  ASSERT_FALSE(request_id.empty());
  std::string id_field = "\"request_id\":\"" + request_id + "\"";
  auto cause = server_.WaitForLogLine([&](std::string_view line) {
    return line.find(id_field) != std::string_view::npos &&
           line.find("\"level\":\"error\"") != std::string_view::npos;
  });
  ASSERT_TRUE(cause.has_value()) << "no error line with " << id_field << " in:\n" << server_.log();
  EXPECT_THAT(*cause, HasSubstr("BOGUS"));
  EXPECT_THAT(*cause, HasSubstr("CORRUPT-1"));
  EXPECT_THAT(*cause, HasSubstr(server_.data_dir() + "/registry.db"));
}

TEST_F(ApiInternalErrorTest, ListingThatMeetsTheCorruptRowAnswers500) {
  TestHttpClient client("127.0.0.1", server_.port());
  TestResponse r = client.Get(std::string(kMeters));
  EXPECT_TRUE(IsApiError(r, 500, "internal"));
  EXPECT_THAT(r.body, Not(HasSubstr("BOGUS")));
}

TEST_F(ApiInternalErrorTest, OtherEntitiesAndTheServerStayUsable) {
  TestHttpClient client("127.0.0.1", server_.port());
  EXPECT_EQ(client.Get(ItemPath(kMeters, "CORRUPT-1")).status, 500);
  TestResponse healthy = client.Get(ItemPath(kMeters, "HEALTHY-1"));
  EXPECT_EQ(healthy.status, 200) << healthy.body;
  EXPECT_EQ(client.Get("/health/live").status, 200);
  // Listing only the healthy meter's status skips the bad row.
  TestResponse pending = client.Get(std::string(kMeters) + "?status=PENDING");
  EXPECT_EQ(pending.status, 200) << pending.body;
  EXPECT_THAT(JsonDoc(pending.body).Strings("/items", "id"), ::testing::ElementsAre("HEALTHY-1"));
}

TEST_F(ApiInternalErrorTest, FiveHundredIsCountedAsServerError) {
  TestHttpClient client("127.0.0.1", server_.port());
  EXPECT_EQ(client.Get(ItemPath(kMeters, "CORRUPT-1")).status, 500);
  auto errors = ScrapeUntil(client, "metrify_http_request_errors_total",
                            R"(method="GET",route="/api/v1/smart-meters/{id}",class="5xx")", 1);
  EXPECT_EQ(errors, 1.0);
}

}  // namespace
}  // namespace metrify::test
