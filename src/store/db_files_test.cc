// The database's files on disk: a new database, its -wal and -shm are 0600
// whatever the umask, and a database (or -wal/-shm) open to group or others
// is refused with the chmod that fixes it, untouched.
#include "store/db_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/testing.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0xffff;  // 0xffff: no such file
}

// Sets the process umask for its life.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

class DbFilesTest : public ::testing::TestWithParam<mode_t> {};

TEST_P(DbFilesTest, ANewDatabaseItsWalAndShmArePrivate) {
  testing::TempDbPath file;
  ScopedUmask mask(GetParam());
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(store);
  // A write, so the WAL has frames (and both side files exist while open).
  ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"t", "bot", "u", 1})));
  EXPECT_EQ(ModeOf(file.path()), 0600u);
  EXPECT_EQ(ModeOf(file.path() + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(file.path() + "-shm"), 0600u);
}

INSTANTIATE_TEST_SUITE_P(Umasks, DbFilesTest, ::testing::Values(mode_t{022}, mode_t{0}, mode_t{002}),
                         [](const ::testing::TestParamInfo<mode_t>& info) {
                           return "Umask0" + std::to_string(info.param / 8) + std::to_string(info.param % 8);
                         });

TEST(DbFiles, ADatabaseOthersCanReadIsRefusedWithTheChmodToRun) {
  testing::TempDbPath file;
  {
    auto store = SqliteStore::Open({file.path(), "normal"});
    ASSERT_OK(store);
    ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"t", "bot", "u", 1})));
  }
  ASSERT_EQ(chmod(file.path().c_str(), 0644), 0);
  const auto size = std::filesystem::file_size(file.path());
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kForbidden);
  EXPECT_NE(store.status().message().find("'" + file.path() + "' has mode 0644"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("chmod 600 " + file.path()), std::string::npos)
      << store.status().message();
  // Untouched: neither fixed behind the operator's back nor opened.
  EXPECT_EQ(ModeOf(file.path()), 0644u);
  EXPECT_EQ(std::filesystem::file_size(file.path()), size);
  EXPECT_FALSE(std::filesystem::exists(file.path() + "-wal"));
  // Once chmodded, it opens with its data.
  ASSERT_EQ(chmod(file.path().c_str(), 0600), 0);
  auto reopened = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(reopened);
  EXPECT_OK(Await((*reopened)->TakeLinkToken("t")));
}

TEST(DbFiles, AGroupWritableDatabaseIsRefused) {
  testing::TempDbPath file;
  { std::ofstream create(file.path()); }
  ASSERT_EQ(chmod(file.path().c_str(), 0620), 0);
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kForbidden);
}

TEST(DbFiles, AWalOrShmOthersCanReadIsRefused) {
  for (const char* suffix : {"-wal", "-shm"}) {
    testing::TempDbPath file;
    {
      auto store = SqliteStore::Open({file.path(), "normal"});
      ASSERT_OK(store);
    }
    { std::ofstream create(file.path() + suffix, std::ios::app); }
    ASSERT_EQ(chmod((file.path() + suffix).c_str(), 0604), 0);
    auto store = SqliteStore::Open({file.path(), "normal"});
    ASSERT_FALSE(store.ok()) << suffix;
    EXPECT_NE(store.status().message().find("chmod 600 " + file.path() + suffix), std::string::npos)
        << store.status().message();
  }
}

TEST(DbFiles, ThePathInTheChmodIsQuotedForTheShell) {
  testing::TempDbPath file;
  const std::string path = file.path() + " it's";
  { std::ofstream create(path); }
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  Status s = PrepareDbFiles(path);
  std::filesystem::remove(path);
  EXPECT_NE(s.message().find("chmod 600 '" + file.path() + " it'\\''s'"), std::string::npos) << s.message();
}

TEST(DbFiles, InMemoryDatabasesHaveNoFiles) {
  EXPECT_OK(PrepareDbFiles(":memory:"));
  EXPECT_EQ(WalFileBytes(":memory:"), 0);
  testing::TempDbPath file;
  EXPECT_EQ(WalFileBytes(file.path()), 0);  // no WAL yet
}

}  // namespace
}  // namespace tgate::store
