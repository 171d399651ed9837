// Test-only helpers for the store tests: a parameterised fixture that runs
// every test on ":memory:" and on a fresh temp file (removed afterwards, with
// its -wal/-shm), with the times the store stamps itself taken from a
// FakeClock, and Await, which runs a store call to completion. Never
// included by production code.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/await_test_util.h"
#include "core/fake_clock.h"
#include "core/status_macros.h"
#include "core/testing.h"
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

inline std::string BackendName(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "File" : "Memory";
}

// GetParam(): true = temp file, false = ":memory:".
class StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ASSERT_OK(Reopen()); }

  Status Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = GetParam() ? file_.path() : ":memory:";
    options.clock = &clock_;
    TGATE_ASSIGN_OR_RETURN(auto opened, SqliteStore::Open(options));
    store_ = std::move(opened);
    return Status::Ok();
  }

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
  FakeClock clock_;  // declared before store_, which uses it
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace tgate::store::testing
