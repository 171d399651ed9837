#include "store/migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "core/random.h"
#include "store/sqlite_statement.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

// A connection of our own. A file it creates is made private (0600), as an
// operator's chmod would: the store refuses a database others can read.
Db OpenRaw(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  if (path != ":memory:") {
    EXPECT_EQ(chmod(path.c_str(), 0600), 0);
  }
  return Db(db);
}

int64_t QueryInt(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

// What EXPLAIN QUERY PLAN says of `sql`, its steps joined by "; ".
std::string QueryPlan(sqlite3* db, const std::string& sql) {
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, explain.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("; ");
  sqlite3_finalize(st);
  return plan;
}

// That the plan of `sql` says `uses` (an index and how it is used).
void ExpectPlanUses(sqlite3* db, const char* sql, const char* uses) {
  const std::string plan = QueryPlan(db, sql);
  EXPECT_NE(plan.find(uses), std::string::npos) << sql << ": " << plan;
}

// Versions may skip numbers (a branch reserves its own); Migrate() handles gaps.
TEST(Migrations, StepsAreNumberedUpwardFromOne) {
  const auto& steps = SchemaMigrations();
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps[0].version, 1);
  for (size_t i = 1; i < steps.size(); ++i) EXPECT_LT(steps[i - 1].version, steps[i].version);
  EXPECT_EQ(LatestSchemaVersion(), steps.back().version);
}

TEST(Migrations, AStepsCodeRunsInItsTransaction) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> steps = {
      {1, "CREATE TABLE t (a INTEGER);"},
      {4, "INSERT INTO t VALUES (1);", [](sqlite3* db) { return ExecSql(db, "UPDATE t SET a = a + 1"); }},
      {5, "INSERT INTO t VALUES (10);", [](sqlite3*) { return Status::Internal("no"); }},
  };
  Status s = Migrate(db.get(), steps);
  EXPECT_NE(s.message().find("version 5"), std::string::npos) << s.message();
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 4);
  EXPECT_EQ(QueryInt(db.get(), "SELECT group_concat(a) FROM t"), 2);  // step 5's insert rolled back
}

// A database of the version before 10 holds its link tokens in plaintext;
// version 10 replaces each with its digest, and the token still redeems.
TEST(Migrations, Version10HashesTheWaitingLinkTokens) {
  testing::TempDbPath file;
  const std::string token = "OldPlaintextToken_from_before_version_10xy";
  {
    Db db = OpenRaw(file.path());
    std::vector<Migration> before;
    for (const Migration& m : SchemaMigrations()) {
      if (m.version < 10) before.push_back(m);
    }
    ASSERT_OK(Migrate(db.get(), before));
    ASSERT_OK(ExecSql(db.get(), ("INSERT INTO link_tokens (token, bot, user, expires_at) VALUES ('" + token +
                                 "', 'default', '42', 2000000000), ('other', 'shop', '7', 1)")
                                    .c_str()));
  }
  {
    auto migrated = Store::Open({file.path(), "normal"});  // migrates, and on close checkpoints into the file
    ASSERT_OK(migrated);
  }
  {
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    // Not in a row, nor left behind in the page's free space.
    EXPECT_EQ(bytes.find(token), std::string::npos) << "the plaintext token is still in the file";
    EXPECT_NE(bytes.find(Sha256Hex(token)), std::string::npos);
  }
  {
    Db db = OpenRaw(file.path());
    EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
    EXPECT_EQ(QueryInt(db.get(), ("SELECT count(*) FROM link_tokens WHERE token_sha256 IN ('" +
                                  Sha256Hex(token) + "', '" + Sha256Hex("other") + "')")
                                     .c_str()),
              2);
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM link_tokens WHERE length(token_sha256) <> 64"), 0);
  }
  auto store = Store::Open({file.path(), "normal"});
  ASSERT_OK(store);
  auto taken = Await((*store)->TakeLinkToken(token));
  ASSERT_OK(taken);
  EXPECT_EQ(taken->user, "42");
  EXPECT_EQ(Await((*store)->PruneLinkTokens(100)).value(), 1);  // the expired one, by its expiry as before
}

TEST(Migrations, MigratesAnEmptyDatabaseFromVersionZero) {
  Db db = OpenRaw(":memory:");
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 0);
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                     "('link_tokens','bindings','messages','broadcasts','updates','events')"),
            6);
  // Idempotent: running again changes nothing.
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
}

TEST(Migrations, OpenMigratesAVersionZeroFileAndKeepsItsData) {
  testing::TempDbPath file;
  {
    Db db = OpenRaw(file.path());
    ASSERT_OK(ExecSql(db.get(), "CREATE TABLE unrelated (x INTEGER); INSERT INTO unrelated VALUES (7);"));
  }
  auto store = Store::Open({file.path(), "normal"});
  ASSERT_OK(store);
  ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"t", "bot", "u", 1})));
  store->reset();
  Db db = OpenRaw(file.path());
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT x FROM unrelated"), 7);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM link_tokens"), 1);
}

TEST(Migrations, AppliesOnlyTheNewStepsToAnOlderVersion) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v1 = {{1, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"}};
  ASSERT_OK(Migrate(db.get(), v1));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 1);
  std::vector<Migration> v3 = v1;
  v3.push_back({2, "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 5;"});
  v3.push_back({3, "UPDATE t SET b = b + 1;"});
  ASSERT_OK(Migrate(db.get(), v3));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 3);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 1);  // step 1 did not run twice
  EXPECT_EQ(QueryInt(db.get(), "SELECT b FROM t"), 6);
}

TEST(Migrations, Version3CountsEachBroadcastsMessagesByStatus) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v2(SchemaMigrations().begin(), SchemaMigrations().begin() + 2);
  ASSERT_OK(Migrate(db.get(), v2));
  ASSERT_OK(ExecSql(
      db.get(),
      "INSERT INTO broadcasts (id, bot, text, options_json, total, created_at) VALUES (7, 'b', 't', '{}', 6, "
      "0);"
      "INSERT INTO broadcasts (id, bot, text, options_json, total, created_at) VALUES (8, 'b', 't', '{}', 1, "
      "0);"
      "INSERT INTO messages (bot, chat_id, priority, broadcast_id, status, created_at, updated_at) VALUES "
      "('b', 1, 1, 7, 1, 0, 0), ('b', 2, 1, 7, 1, 0, 0), ('b', 3, 1, 7, 2, 0, 0), ('b', 4, 1, 7, 3, 0, 0), "
      "('b', 5, 1, 7, 0, 0, 0), ('b', 6, 1, 8, 1, 0, 0), ('b', 7, 0, NULL, 1, 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(
      QueryInt(db.get(), "SELECT n_sent * 100 + n_failed * 10 + n_cancelled FROM broadcasts WHERE id = 7"),
      211);
  EXPECT_EQ(
      QueryInt(db.get(), "SELECT n_sent * 100 + n_failed * 10 + n_cancelled FROM broadcasts WHERE id = 8"),
      100);
  // `filled` was left 0 by broadcasts older than version 2: pending is
  // filled - sent - failed - cancelled, so it must count the rows.
  EXPECT_EQ(QueryInt(db.get(), "SELECT filled FROM broadcasts WHERE id = 7"), 5);
  // Status left the per-broadcast index an outcome would otherwise rewrite.
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                     "name = 'messages_by_broadcast' AND sql NOT LIKE '%status%'"),
            1);
}

// Version 11: attempts counted every part's sends; they become the sends of
// the most-tried part, and sent messages learn their parts.
TEST(Migrations, Version11SplitsPartsFromAttempts) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v10(SchemaMigrations().begin(), SchemaMigrations().begin() + 10);
  ASSERT_OK(Migrate(db.get(), v10));
  ASSERT_OK(ExecSql(
      db.get(),
      "INSERT INTO messages (id, bot, chat_id, priority, status, attempts, parts_sent, created_at, "
      "updated_at) VALUES (1, 'b', 1, 0, 1, 10, 10, 0, 0), (2, 'b', 2, 0, 1, 12, 10, 0, 0), "
      "(3, 'b', 3, 0, 1, 3, 1, 0, 0), (4, 'b', 4, 0, 0, 4, 2, 0, 0), (5, 'b', 5, 0, 0, 0, 0, 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT attempts * 100 + parts FROM messages WHERE id = 1"), 110);
  EXPECT_EQ(QueryInt(db.get(), "SELECT attempts * 100 + parts FROM messages WHERE id = 2"), 310);
  EXPECT_EQ(QueryInt(db.get(), "SELECT attempts * 100 + parts FROM messages WHERE id = 3"), 301);
  EXPECT_EQ(QueryInt(db.get(), "SELECT attempts * 100 + parts FROM messages WHERE id = 4"), 300);
  EXPECT_EQ(QueryInt(db.get(), "SELECT attempts * 100 + parts FROM messages WHERE id = 5"), 0);
}

TEST(Migrations, Version5CountsTheActiveBindingsThatExistAndKeepsCounting) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v4(SchemaMigrations().begin(), SchemaMigrations().begin() + 4);
  ASSERT_OK(Migrate(db.get(), v4));
  ASSERT_OK(
      ExecSql(db.get(),
              "INSERT INTO bindings (bot, user, chat_id, status, linked_at) VALUES "
              "('a', 'u1', 1, 0, 0), ('a', 'u2', 2, 0, 0), ('a', 'u3', 3, 1, 0), ('b', 'u1', 1, 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT active FROM binding_counts WHERE bot = 'a'"), 2);
  EXPECT_EQ(QueryInt(db.get(), "SELECT active FROM binding_counts WHERE bot = 'b'"), 1);
  // From here on the triggers keep it, whatever statement changes a binding.
  ASSERT_OK(
      ExecSql(db.get(),
              "UPDATE bindings SET status = 0 WHERE user = 'u3';"
              "UPDATE bindings SET bot = 'b' WHERE bot = 'a' AND user = 'u2';"
              "INSERT INTO bindings (bot, user, chat_id, status, linked_at) VALUES ('c', 'u9', 9, 0, 0);"
              "DELETE FROM bindings WHERE bot = 'a' AND user = 'u1';"));
  EXPECT_EQ(QueryInt(db.get(), "SELECT active FROM binding_counts WHERE bot = 'a'"), 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT active FROM binding_counts WHERE bot = 'b'"), 2);
  EXPECT_EQ(QueryInt(db.get(), "SELECT active FROM binding_counts WHERE bot = 'c'"), 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT sum(active) FROM binding_counts"),
            QueryInt(db.get(), "SELECT count(*) FROM bindings WHERE status = 0"));
}

TEST(Migrations, Version6IndexesTheGroupMessagesThatDeliveredAPart) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v5(SchemaMigrations().begin(), SchemaMigrations().begin() + 5);
  ASSERT_OK(Migrate(db.get(), v5));
  ASSERT_OK(ExecSql(
      db.get(),
      "INSERT INTO messages (bot, chat_id, priority, status, parts_sent, created_at, updated_at) VALUES "
      "('b', -1, 0, 1, 1, 0, 10), ('b', -2, 0, 0, 0, 0, 10), ('b', 3, 0, 1, 1, 0, 10);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  // Only the group message that delivered a part is in the index.
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM messages INDEXED BY messages_group_sends "
                     "WHERE bot = 'b' AND chat_id < 0 AND parts_sent > 0 AND updated_at >= 0"),
            1);
}

TEST(Migrations, Version9KeepsOldKeysUncomparedAndMakesBroadcastKeysUniquePerBot) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v6(SchemaMigrations().begin(), SchemaMigrations().begin() + 6);
  ASSERT_OK(Migrate(db.get(), v6));
  ASSERT_OK(
      ExecSql(db.get(),
              "INSERT INTO messages (bot, chat_id, priority, idempotency_key, created_at, updated_at) VALUES "
              "('b', 1, 0, 'k1', 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM messages WHERE idempotency_key = 'k1' "
                     "AND idempotency_fingerprint IS NULL"),
            1);
  const char* insert =
      "INSERT INTO broadcasts (bot, text, options_json, created_at, idempotency_key) VALUES ";
  ASSERT_OK(ExecSql(db.get(), (std::string(insert) + "('b', 't', '{}', 0, 'c1'), ('b2', 't', '{}', 0, 'c1'), "
                                                     "('b', 't', '{}', 0, NULL), ('b', 't', '{}', 0, NULL);")
                                  .c_str()));
  EXPECT_FALSE(ExecSql(db.get(), (std::string(insert) + "('b', 't', '{}', 0, 'c1');").c_str()).ok());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM broadcasts"), 4);
}

TEST(Migrations, Version4KeysTheQueueIndexByBroadcastSoEachLoadsInIdOrder) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v3(SchemaMigrations().begin(), SchemaMigrations().begin() + 3);
  ASSERT_OK(Migrate(db.get(), v3));
  ASSERT_OK(ExecSql(
      db.get(),
      "INSERT INTO messages (bot, chat_id, priority, broadcast_id, status, created_at, updated_at) VALUES "
      "('b', 1, 1, 7, 0, 0, 0), ('b', 2, 0, NULL, 0, 0, 0);"));
  // Up to Version 13: Version 14 keeps one-to-one messages only in the index.
  std::vector<Migration> v13(SchemaMigrations().begin(), SchemaMigrations().begin() + 13);
  ASSERT_OK(Migrate(db.get(), v13));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 13);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM messages INDEXED BY messages_queued "
                     "WHERE bot = 'b' AND priority = 1 AND broadcast_id = 7 AND status = 0"),
            1);
  // Both loads walk the index in id order: no sort, no scan of other rows.
  for (const char* load :
       {"WHERE bot = 'b' AND priority = 0 AND broadcast_id IS NULL AND status = 0 AND id > 0",
        "WHERE bot = 'b' AND priority = 1 AND broadcast_id = 7 AND status = 0 AND id > 0"}) {
    const std::string plan =
        QueryPlan(db.get(), std::string("SELECT id FROM messages ") + load + " ORDER BY id LIMIT 10");
    EXPECT_NE(plan.find("USING INDEX messages_queued"), std::string::npos) << load << ": " << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << load << ": " << plan;
  }
}

TEST(Migrations, Version12IndexesEveryMessageByChatSoOutcomesLeaveTheIndexAlone) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v11(SchemaMigrations().begin(), SchemaMigrations().begin() + 11);
  ASSERT_OK(Migrate(db.get(), v11));
  ASSERT_OK(ExecSql(db.get(),
                    "INSERT INTO messages (bot, chat_id, priority, status, created_at, updated_at) VALUES "
                    "('b', 5, 0, 0, 0, 0), ('b', 5, 0, 1, 0, 0), ('b', 6, 0, 0, 0, 0);"));
  std::vector<Migration> v12(SchemaMigrations().begin(), SchemaMigrations().begin() + 12);
  ASSERT_OK(Migrate(db.get(), v12));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 12);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'messages_queued_by_chat'"),
            0);
  // Sent rows are in it too: writing a message's outcome changes no key of it.
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM messages INDEXED BY messages_by_chat "
                     "WHERE bot = 'b' AND chat_id = 5"),
            2);
  // Its readers (a blocked chat's queue failed, a migrated group's moved) find a chat's rows through it.
  for (const char* reader :
       {"UPDATE messages SET status = 2 WHERE bot = 'b' AND chat_id = 5 AND status = 0",
        "UPDATE messages SET chat_id = 7 WHERE bot = 'b' AND chat_id = 5 AND status = 0"}) {
    const std::string plan = QueryPlan(db.get(), reader);
    EXPECT_NE(plan.find("USING INDEX messages_by_chat"), std::string::npos) << reader << ": " << plan;
  }
}

TEST(Migrations, Version13MovesTheSkippedUsersOutOfTheBroadcastsRow) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v12(SchemaMigrations().begin(), SchemaMigrations().begin() + 12);
  ASSERT_OK(Migrate(db.get(), v12));
  ASSERT_OK(ExecSql(db.get(),
                    "INSERT INTO broadcasts (id, bot, text, options_json, created_at, skipped_users) VALUES "
                    "(1, 'b', 't', '{}', 0, '[{\"user\":\"x\",\"reason\":\"blocked\"}]'), "
                    "(2, 'b', 't', '{}', 0, NULL);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM broadcasts WHERE skipped_users IS NOT NULL"), 0);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM broadcast_skipped_users"), 1);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM broadcast_skipped_users WHERE broadcast_id = 1 AND users = "
                     "'[{\"user\":\"x\",\"reason\":\"blocked\"}]'"),
            1);
}

TEST(Migrations, Version14KeepsOnlyOneToOneMessagesInTheQueueIndex) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v13(SchemaMigrations().begin(), SchemaMigrations().begin() + 13);
  ASSERT_OK(Migrate(db.get(), v13));
  ASSERT_OK(ExecSql(
      db.get(),
      "INSERT INTO broadcasts (id, bot, text, options_json, created_at) VALUES (7, 'b', 't', '{}', 0);"
      "INSERT INTO messages (id, bot, chat_id, priority, broadcast_id, status, created_at, updated_at) "
      "VALUES (1, 'b', 1, 1, 7, 1, 0, 0), (2, 'b', 2, 1, 7, 0, 0, 0), (3, 'b', 3, 0, NULL, 0, 0, 0), "
      "(4, 'b', 4, 0, NULL, 1, 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'messages_queued'"), 0);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM messages INDEXED BY messages_queued_direct "
                     "WHERE bot = 'b' AND priority = 0 AND broadcast_id IS NULL AND status = 0"),
            1);
  // An existing broadcast starts from its first message.
  EXPECT_EQ(QueryInt(db.get(), "SELECT queued_from FROM broadcasts WHERE id = 7"), 0);
  // One-to-one messages load in the order of their index; a broadcast's walk
  // its own index from a rowid on. Neither sorts.
  for (const char* load :
       {"WHERE bot = 'b' AND priority = 0 AND broadcast_id IS NULL AND status = 0 AND id > 0",
        "WHERE bot = 'b' AND priority = 1 AND broadcast_id = 7 AND status = 0 AND id > max(0, 2 - 1)"}) {
    const std::string plan =
        QueryPlan(db.get(), std::string("SELECT id FROM messages ") + load + " ORDER BY id LIMIT 10");
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << load << ": " << plan;
    EXPECT_NE(plan.find(std::string(load).find("broadcast_id = 7") == std::string::npos
                            ? "USING INDEX messages_queued_direct"
                            : "USING INDEX messages_by_broadcast (broadcast_id=? AND rowid>?)"),
              std::string::npos)
        << load << ": " << plan;
  }
}

TEST(Migrations, Version15IndexesNoMessageByChatAndTheQueuesFindAMigratedGroupsMessages) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v14(SchemaMigrations().begin(), SchemaMigrations().begin() + 14);
  ASSERT_OK(Migrate(db.get(), v14));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_chat'"), 0);
  // MoveChat's walks: the one-to-one queue, and each broadcast from its queued_from.
  ExpectPlanUses(db.get(),
                 "UPDATE messages INDEXED BY messages_queued_direct SET chat_id = 7 "
                 "WHERE bot = 'b' AND status = 0 AND broadcast_id IS NULL AND chat_id = 5",
                 "USING INDEX messages_queued_direct (bot=?)");
  ExpectPlanUses(db.get(),
                 "UPDATE messages SET chat_id = 7 WHERE id IN (SELECT m.id FROM broadcasts b "
                 "CROSS JOIN messages m INDEXED BY messages_by_broadcast ON m.broadcast_id = b.id "
                 "AND m.id >= b.queued_from WHERE b.bot = 'b' AND m.status = 0 AND m.chat_id = 5)",
                 "USING INDEX messages_by_broadcast (broadcast_id=? AND rowid>?)");
  // Each read of a message asks whether its chat is blocked: one probe of a
  // covering index (Version 16 moves the probe to bindings_by_chat).
  ExpectPlanUses(
      db.get(),
      "SELECT m.id, EXISTS (SELECT 1 FROM bindings u INDEXED BY bindings_by_status "
      "WHERE u.bot = m.bot AND u.status = 1 AND u.chat_id = m.chat_id) FROM messages m WHERE m.id = 1",
      "USING COVERING INDEX bindings_by_status (bot=? AND status=? AND chat_id=?)");
}

TEST(Migrations, Version16FindsBindingsByChatThroughAnIndexThatCoversTheUserAndTheStatus) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> v15(SchemaMigrations().begin(), SchemaMigrations().begin() + 15);
  ASSERT_OK(Migrate(db.get(), v15));
  ASSERT_OK(ExecSql(db.get(),
                    "INSERT INTO bindings (bot, user, chat_id, status, linked_at) VALUES "
                    "('b', 'alice', 5, 0, 0), ('b', 'bob', 6, 1, 0), ('c', 'carol', 5, 0, 0);"));
  ASSERT_OK(Migrate(db.get()));
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion());
  // The user of a chat (each update forwarded from it) and whether a chat is
  // blocked (each read of a message): the index alone, the chat id first.
  ExpectPlanUses(db.get(),
                 "SELECT user FROM bindings INDEXED BY bindings_by_chat WHERE chat_id = 5 AND bot = 'b'",
                 "USING COVERING INDEX bindings_by_chat (chat_id=? AND bot=?)");
  ExpectPlanUses(
      db.get(),
      "SELECT m.id, EXISTS (SELECT 1 FROM bindings u INDEXED BY bindings_by_chat "
      "WHERE u.bot = m.bot AND u.status = 1 AND u.chat_id = m.chat_id) FROM messages m WHERE m.id = 1",
      "USING COVERING INDEX bindings_by_chat (chat_id=? AND bot=? AND status=?)");
  // The bindings made before it are in it, and one made or changed after.
  EXPECT_EQ(
      QueryInt(db.get(),
               "SELECT count(*) FROM bindings INDEXED BY bindings_by_chat WHERE chat_id = 5 AND bot = 'b' "
               "AND status = 0"),
      1);
  ASSERT_OK(
      ExecSql(db.get(),
              "UPDATE bindings SET status = 1 WHERE bot = 'b' AND chat_id = 5; "
              "INSERT INTO bindings (bot, user, chat_id, status, linked_at) VALUES ('b', 'dave', 7, 0, 0);"));
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM bindings INDEXED BY bindings_by_chat WHERE chat_id IN (5, 6) "
                     "AND bot = 'b' AND status = 1"),
            2);
  EXPECT_EQ(
      QueryInt(db.get(),
               "SELECT count(*) FROM bindings INDEXED BY bindings_by_chat WHERE chat_id = 7 AND bot = 'b'"),
      1);
}

TEST(Migrations, AFailingStepRollsBackAndStopsThere) {
  Db db = OpenRaw(":memory:");
  std::vector<Migration> steps = {
      {1, "CREATE TABLE t (a INTEGER);"},
      {2, "CREATE TABLE u (a INTEGER); INSERT INTO nowhere VALUES (1);"},
      {3, "CREATE TABLE v (a INTEGER);"},
  };
  Status s = Migrate(db.get(), steps);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s.message();
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name IN ('u', 'v')"), 0);
}

TEST(Migrations, RefusesANewerDatabase) {
  testing::TempDbPath file;
  {
    Db db = OpenRaw(file.path());
    std::string sql = "PRAGMA user_version = " + std::to_string(LatestSchemaVersion() + 1);
    ASSERT_OK(ExecSql(db.get(), sql.c_str()));
  }
  auto store = Store::Open({file.path(), "normal"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(), "database schema version " + std::to_string(LatestSchemaVersion() + 1) +
                                          " is newer than this tgate (" +
                                          std::to_string(LatestSchemaVersion()) + "); upgrade tgate");
  Db db = OpenRaw(file.path());
  EXPECT_EQ(ReadSchemaVersion(db.get()).value(), LatestSchemaVersion() + 1);  // untouched
}

}  // namespace
}  // namespace tgate::store
