// Test-only helpers for the store tests: a parameterised fixture that runs
// every test on each backend — SQLite ":memory:", SQLite on a fresh temp
// file (removed afterwards, with its -wal/-shm), and PostgreSQL on a fresh
// database copied from a template migrated once per binary (skipped when
// TGATE_TEST_PG is unset) — with the times the store stamps itself taken
// from a FakeClock, and Await, which runs a store call to completion. Never
// included by production code.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/await_test_util.h"
#include "core/fake_clock.h"
#include "core/status_macros.h"
#include "core/testing.h"
#include "pg/pg_test_util.h"
#include "store/open_store.h"
#include "store/pg_store.h"
#include "store/pg_store_test_util.h"
#include "store/sqlite_store.h"

namespace tgate::store::testing {

// The io_context the store tests run their store calls on (a backend whose
// calls suspend must be opened on it).
inline asio::io_context& TestIo() {
  static asio::io_context io;
  return io;
}

// Runs one store call to completion: `Await(store_->GetMessage(id))`.
template <typename T>
T Await(Awaitable<T> call) {
  return tgate::testing::RunAwait(TestIo(), std::move(call));
}

// A unique path in the temp dir; the file and its WAL side files are removed
// on destruction.
class TempDbPath {
 public:
  TempDbPath() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("tgate_store_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".db"))
                .string();
    Remove();
  }
  ~TempDbPath() { Remove(); }
  const std::string& path() const { return path_; }

 private:
  void Remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ec);
    }
  }
  std::string path_;
};

// The checkpoint sequence number in the header of the database's WAL file:
// it moves each time the log starts over (-1 while the file has no header).
inline int64_t WalSequence(const std::string& db_path) {
  std::ifstream wal(db_path + "-wal", std::ios::binary);
  unsigned char header[16];
  if (!wal.read(reinterpret_cast<char*>(header), sizeof header)) return -1;
  return int64_t{header[12]} << 24 | int64_t{header[13]} << 16 | int64_t{header[14]} << 8 | header[15];
}

// A connection of SQLite's own to the file at `path` (through `vfs`, or the
// default VFS when null), for tests that look under the store.
inline sqlite3* OpenRawSqlite(const std::string& path, const char* vfs = nullptr) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
  return db;
}

// The first column of the first row `sql` returns, as text ("ok" for a
// sound PRAGMA integrity_check).
inline std::string SqliteText(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW) << sqlite3_errmsg(db);
  const unsigned char* text = sqlite3_column_text(st, 0);
  std::string out = text ? reinterpret_cast<const char*>(text) : "";
  sqlite3_finalize(st);
  return out;
}

// The backends every store test runs on. Unscoped, in this order, so that
// `if (!GetParam())` still reads "on :memory:" (whose data does not outlive
// its connection): the file and PostgreSQL keep theirs across Reopen.
enum Backend { kMemory = 0, kFile = 1, kPostgres = 2 };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case kMemory:
      return "Memory";
    case kFile:
      return "File";
    case kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

inline auto AllBackends() { return ::testing::Values(kMemory, kFile, kPostgres); }

// A broadcast of "news" to every active user of `bot`, sent at once.
inline NewBroadcast NewsToAll(std::string bot) {
  NewBroadcast b;
  b.bot = std::move(bot);
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  return b;
}

// The tests size broadcasts by the first chunk; both backends use one.
static_assert(SqliteStore::kFirstChunk == PgStore::kFirstChunk);

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == kPostgres) {
      if (pg::PgTestUrl().empty()) GTEST_SKIP() << pg::kNoTestServer;
      pg_db_ = MigratedTestDatabase();
      ASSERT_TRUE(pg_db_);
    }
    ASSERT_OK(Reopen());
  }

  StoreOptions Options() const {
    StoreOptions options;
    options.path = GetParam() == kPostgres ? pg_db_->url() : GetParam() == kFile ? file_.path() : ":memory:";
    options.clock = &clock_;
    return options;
  }

  // Closes the store and opens the same database again (through OpenStore,
  // as tgate does).
  Status Reopen() {
    store_.reset();
    TGATE_ASSIGN_OR_RETURN(auto opened, Await(OpenStore(TestIo().get_executor(), Options())));
    store_ = std::move(opened);
    return Status::Ok();
  }

  // Another store on the same database, as a second connection or instance
  // would open it (not on :memory:, whose database is the connection's).
  Result<std::unique_ptr<Store>> OpenSecond() { return Await(OpenStore(TestIo().get_executor(), Options())); }

  static NewMessage Direct(std::string bot, int64_t chat_id, std::string text) {
    NewMessage m;
    m.bot = std::move(bot);
    m.chat_id = chat_id;
    m.text = std::move(text);
    m.options_json = "{}";
    return m;
  }

  int64_t MustEnqueue(const NewMessage& m) {
    auto enqueued = Await(store_->Enqueue(m));
    EXPECT_OK(enqueued);
    return enqueued.ok() ? enqueued->id : 0;
  }

  void MustBind(std::string bot, std::string user, int64_t chat_id) {
    EXPECT_OK(
        Await(store_->Bind(Binding{std::move(bot), std::move(user), chat_id, UserStatus::kActive, 100})));
  }

  // Writes a delivery outcome for message `id` (one attempt, one part).
  void Finish(int64_t id, MessageStatus status) {
    ASSERT_OK(
        Await(store_->Complete({Completion{id, status, 1, 1, 0, status == MessageStatus::kSent ? 900 + id : 0,
                                           status == MessageStatus::kFailed ? "chat not found" : ""}})));
  }

  using PruneFn = Awaitable<Result<PruneResult>> (Store::*)(int64_t, size_t);
  // Calls `prune` (one of the Store's Prune* methods) until its pass is
  // done; returns what each call deleted.
  std::vector<int64_t> DeletedPerCall(PruneFn prune, int64_t before, size_t max_rows) {
    std::vector<int64_t> deleted;
    for (int i = 0; i < 1000; ++i) {
      auto r = Await((store_.get()->*prune)(before, max_rows));
      EXPECT_OK(r);
      if (!r.ok()) return deleted;
      deleted.push_back(r->deleted);
      if (r->done) return deleted;
    }
    ADD_FAILURE() << "a pruning pass never ended";
    return deleted;
  }
  // The same, summed: all that a pass deleted.
  int64_t PruneAll(PruneFn prune, int64_t before, size_t max_rows) {
    const std::vector<int64_t> deleted = DeletedPerCall(prune, before, max_rows);
    return std::accumulate(deleted.begin(), deleted.end(), int64_t{0});
  }

  TempDbPath file_;
  FakeClock clock_;                          // declared before store_, which uses it
  std::unique_ptr<pg::TestDatabase> pg_db_;  // kPostgres: dropped after store_ closes
  std::unique_ptr<Store> store_;
};

}  // namespace tgate::store::testing
