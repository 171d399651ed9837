// Retention end to end: the real tgate, on start, deletes the finished
// messages older than retention_days, then the finished broadcasts they
// belonged to, and drops the events nobody took (no events_url is set),
// while a queued message of the same age stays to be sent and its
// broadcast's progress stays readable. Rows are aged by moving their
// timestamps back a month in the database file while tgate is stopped, so
// nothing waits for days.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Retention : public GatewayTest {
 protected:
  int64_t Count(const std::string& where) { return CountIn("messages", where); }
  int64_t CountIn(const std::string& table, const std::string& where) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_ + "/tgate.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    std::string sql = "SELECT count(*) FROM " + table + " WHERE " + where;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
};

TEST_F(Retention, OldFinishedMessagesBroadcastsAndEventsArePrunedAtStartAndQueuedOnesStay) {
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);
  LinkUser("43", 1002);
  auto direct = Api("POST", "/v1/messages", R"({"user":"42","text":"old news"})");
  ASSERT_EQ(direct.status, 202) << direct.body;
  const std::string direct_path = "/v1/messages/" + std::to_string(direct.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", direct_path).Str("status") == "sent"; }));
  // Two targets over an hour: the first goes now, the second in half an hour.
  auto b = Api("POST", "/v1/broadcasts", R"({"users":["42","43"],"text":"campaign","spread_seconds":3600})");
  ASSERT_EQ(b.status, 202) << b.body;
  const std::string broadcast_path = "/v1/broadcasts/" + std::to_string(b.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", broadcast_path).Int("sent") == 1; }));
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1002).size() == 1; }));  // 43's welcome
  auto done = Api("POST", "/v1/broadcasts", R"({"users":["42"],"text":"flash"})");
  ASSERT_EQ(done.status, 202) << done.body;
  const std::string done_path = "/v1/broadcasts/" + std::to_string(done.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", done_path).Str("status") == "done"; }));
  ASSERT_EQ(StopTgate(), 0);

  // Everything is now a month old: two welcome messages, the direct one,
  // one of the campaign and the flash broadcast's finished, the campaign's
  // second still queued. No events_url is set: every event is still there.
  ASSERT_EQ(Count("status <> 0"), 5);
  ASSERT_EQ(Count("status = 0"), 1);
  const int64_t events = CountIn("events", "1");
  ASSERT_GE(events, 3);  // two user.linked, one message.sent at least
  Sql("UPDATE messages SET created_at = created_at - 30 * 86400, updated_at = updated_at - 30 * 86400;"
      "UPDATE broadcasts SET created_at = created_at - 30 * 86400;"
      "UPDATE events SET created_at = created_at - 30 * 86400");

  StartTgate({.env = {{"TGATE_RETENTION_DAYS", "7"}}});
  ASSERT_TRUE(
      tgate_->WaitForText("pruned 5 finished messages, 1 finished broadcasts", std::chrono::seconds(10)))
      << tgate_->Stderr();
  ASSERT_TRUE(
      tgate_->WaitForText("dropped " + std::to_string(events) + " events older than 7 days (no events_url",
                          std::chrono::seconds(10)))
      << tgate_->Stderr();
  EXPECT_EQ(CountIn("events", "created_at < unixepoch() - 7 * 86400"), 0);
  auto gone = Api("GET", direct_path);
  EXPECT_EQ(gone.status, 404) << gone.body;
  auto gone_broadcast = Api("GET", done_path);
  EXPECT_EQ(gone_broadcast.status, 404) << gone_broadcast.body;
  EXPECT_EQ(Count("1"), 1);
  EXPECT_EQ(Count("status = 0"), 1);  // the queued one, a month old, stays
  auto progress = Api("GET", broadcast_path);
  ASSERT_EQ(progress.status, 200) << progress.body;
  EXPECT_EQ(progress.Int("total"), 2);
  EXPECT_EQ(progress.Int("sent"), 1);
  EXPECT_EQ(progress.Int("pending"), 1);
  EXPECT_EQ(progress.Str("status"), "running");
  auto cancelled = Api("DELETE", broadcast_path);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Int("sent"), 1);
  EXPECT_EQ(cancelled.Int("cancelled"), 1);
}

TEST_F(Retention, RetentionZeroKeepsEverything) {
  StartEmulator();
  StartTgate({.env = {{"TGATE_RETENTION_DAYS", "0"}}});
  LinkUser("42", 1001);
  auto direct = Api("POST", "/v1/messages", R"({"user":"42","text":"kept"})");
  ASSERT_EQ(direct.status, 202) << direct.body;
  const std::string direct_path = "/v1/messages/" + std::to_string(direct.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", direct_path).Str("status") == "sent"; }));
  ASSERT_EQ(StopTgate(), 0);
  const int64_t events = CountIn("events", "1");
  ASSERT_GE(events, 2);  // user.linked, message.sent
  Sql("UPDATE messages SET created_at = created_at - 3650 * 86400, updated_at = updated_at - 3650 * 86400;"
      "UPDATE events SET created_at = created_at - 3650 * 86400");
  StartTgate({.env = {{"TGATE_RETENTION_DAYS", "0"}}});
  // The first round has run by now: it starts with tgate, before getMe returns.
  EXPECT_EQ(Api("GET", direct_path).Str("status"), "sent");
  EXPECT_EQ(Count("1"), 2);  // the welcome message and ours
  EXPECT_EQ(CountIn("events", "1"), events);
  EXPECT_EQ(tgate_->Stderr().find("finished messages"), std::string::npos);
  EXPECT_EQ(tgate_->Stderr().find("undelivered events"), std::string::npos);
}

TEST_F(Retention, ANegativeRetentionIsRefusedAtStart) {
  StartEmulator();
  tgate_ = std::make_unique<Process>();
  ASSERT_TRUE(tgate_->Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"},
                            {{"TGATE_BOT_TOKEN", kToken},
                             {"TGATE_API_KEY", kApiKey},
                             {"TGATE_DB", dir_ + "/tgate.db"},
                             {"TGATE_RETENTION_DAYS", "-3"}},
                            dir_ + "/tgate-bad"));
  EXPECT_NE(tgate_->Wait(std::chrono::seconds(10)), 0);
  EXPECT_NE((tgate_->Stdout() + tgate_->Stderr()).find("retention_days must be 0"), std::string::npos)
      << tgate_->Stderr();
}

}  // namespace
}  // namespace tgate::itest
