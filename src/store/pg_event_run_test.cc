// The statement that writes a transaction's run of events (pg_event_run.h):
// the rows land in the order given, each event about a chat with the user
// linked to it, and its plan finds that user through bindings' unique (bot,
// chat_id), never through bindings_by_status (every active binding of the
// bot for each event), on a bindings table filled in bulk with no statistics
// (as after `tgate store copy`, before autovacuum's ANALYZE) and once
// analyzed. Generic plans, as a prepared statement settles on. Needs
// TGATE_TEST_PG.
#include "store/pg_event_run.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store_fixture_test_util.h"
#include "store/pg_store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

class PgEventRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TGATE_SKIP_WITHOUT_PG();
    db_ = testing::MigratedTestDatabase();
    ASSERT_TRUE(db_);
    auto conn = Await(io_, pg::Connection::Connect(io_.get_executor(), db_->url()));
    ASSERT_OK(conn);
    conn_ = std::move(*conn);
    // 5,000 linked users of one bot, 500 of another, a few blocked; no
    // statistics (autovacuum kept off this table for the test).
    Exec("ALTER TABLE bindings SET (autovacuum_enabled = false)");
    Exec(
        "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) "
        "SELECT CASE WHEN g % 11 = 0 THEN 'other' ELSE 'default' END, 'u' || g, g, "
        "CASE WHEN g % 97 = 0 THEN 1 ELSE 0 END, 0 FROM generate_series(1, 5500) g");
  }

  void Exec(const std::string& sql) { ASSERT_OK(Await(io_, conn_->Query(sql))); }

  // The generic plan of the statement, as EXPLAIN's lines joined by newlines.
  std::string GenericPlan() {
    Exec("SET plan_cache_mode = force_generic_plan");
    const PgEventRow row{"{", "default", 1, "}", 1000};
    Exec("PREPARE events_insert AS " +
         InsertEvents(std::span<const PgEventRow>(&row, 1), "tgate_events").sql);
    auto rows = Await(io_, conn_->Query("EXPLAIN EXECUTE events_insert('{\"{\"}', '{default}', '{1}', "
                                        "'{\"}\"}', '{1000}', 'tgate_events')"));
    EXPECT_OK(rows);
    std::string plan;
    if (rows.ok()) {
      for (int i = 0; i < rows->size(); ++i) plan += std::string(rows->Text(i, 0)) + "\n";
    }
    Exec("DEALLOCATE events_insert");
    return plan;
  }

  void ExpectTheUniqueChatIndex() {
    const std::string plan = GenericPlan();
    EXPECT_NE(plan.find("bindings_bot_chat_id_key"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("bindings_by_status"), std::string::npos) << plan;
  }

  asio::io_context io_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
};

TEST_F(PgEventRunTest, AChatsUserIsFoundByItsChatBeforeTheTableIsAnalyzed) { ExpectTheUniqueChatIndex(); }

TEST_F(PgEventRunTest, AChatsUserIsFoundByItsChatOnceTheTableIsAnalyzed) {
  Exec("ANALYZE bindings");
  ExpectTheUniqueChatIndex();
}

// One statement, the rows in the order given: events with no chat keep
// their payload whole, whatever it holds (quotes, backslashes, braces, a
// NULL spelled out, non-ASCII); an event about a chat gets the user linked to
// it (as a JSON string), none where the chat has no user or is another bot's.
TEST_F(PgEventRunTest, TheRowsLandInOrderEachWithItsChatsUser) {
  Exec("UPDATE bindings SET site_user = 'we\"ird\\ user' WHERE bot = 'default' AND chat_id = 2");
  std::vector<PgEventRow> rows;
  const std::vector<std::string> odd = {R"({"t":"a \"quoted\" word"})", R"({"t":"back\\slash"})",
                                        R"({"t":"{braces},"})", "NULL", "{\"t\":\"\u00e9t\u00e9\"}"};
  for (int i = 0; i < 30; ++i) {
    if (i % 3 == 0) {
      rows.push_back(PgEventRow{odd[(i / 3) % odd.size()], "", 0, "", 1000 + i});
    } else {
      // Chats 1 (u1), 2 (the odd user), 11 (the other bot's), 6000 (no one).
      const int64_t chats[] = {1, 2, 11, 6000};
      rows.push_back(PgEventRow{R"({"n":)" + std::to_string(i), "default", chats[i % 4], "}", 1000 + i});
    }
  }
  const pg::Statement insert = InsertEvents(rows, "tgate_events");
  ASSERT_OK(Await(io_, conn_->Query(insert.sql, insert.params)));
  auto stored =
      Await(io_, conn_->Query("SELECT payload, next_attempt_ms, created_at FROM events ORDER BY id"));
  ASSERT_OK(stored);
  ASSERT_EQ(stored->size(), 30);
  for (int i = 0; i < 30; ++i) {
    std::string want = rows[i].head;
    if (!rows[i].bot.empty()) {
      if (rows[i].chat_id == 1) want += R"(,"user":"u1")";
      if (rows[i].chat_id == 2) want += R"(,"user":"we\"ird\\ user")";
      want += rows[i].tail;
    }
    EXPECT_EQ(std::string(stored->Text(i, 0)), want) << i;
    EXPECT_EQ(stored->Int64(i, 1), 1000 + i) << i;
    EXPECT_EQ(stored->Int64(i, 2), 1) << i;
  }
}

}  // namespace
}  // namespace tgate::store
