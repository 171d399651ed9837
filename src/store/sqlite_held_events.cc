#include "store/sqlite_held_events.h"

#include <algorithm>
#include <array>
#include <span>

#include "core/status_macros.h"

namespace tgate::store {

namespace {

// The INSERT of `rows` events, each row's parameters numbered from row * 3.
std::string InsertEventsSql(size_t rows) {
  std::string sql = "INSERT INTO events (payload, attempts, next_attempt_ms, created_at) VALUES ";
  for (size_t row = 0; row < rows; ++row) {
    auto p = [&](int n) { return "?" + std::to_string(static_cast<int>(row) * 3 + n); };
    if (row > 0) sql += ", ";
    sql += "(" + p(1) + ", 0, " + p(2) + ", " + p(3) + ")";
  }
  return sql;
}

}  // namespace

void SqliteHeldEvents::Add(std::string_view payload_json, int64_t now_ms) {
  rows_.push_back(Row{std::string(payload_json), now_ms});
}

void SqliteHeldEvents::Drop(int64_t from) {
  if (from <= first_) {
    first_ += static_cast<int64_t>(rows_.size());  // numbers are not given twice
    rows_.clear();
  } else if (from < Next()) {
    rows_.resize(static_cast<size_t>(from - first_));
  }
}

Status SqliteHeldEvents::WriteForRead(int depth) {
  if (rows_.empty()) return Status::Ok();
  if (depth > 1) {
    return Status::Internal("the events table was read under a savepoint with events held back");
  }
  return Write();
}

Status SqliteHeldEvents::Write() {
  static const std::array<std::string, kMaxRowsPerInsert + 1> kSql = [] {
    std::array<std::string, kMaxRowsPerInsert + 1> sql;
    for (size_t rows = 1; rows <= kMaxRowsPerInsert; ++rows) sql[rows] = InsertEventsSql(rows);
    return sql;
  }();
  const std::span<const Row> all(rows_);
  for (size_t at = 0; at < all.size(); at += kMaxRowsPerInsert) {
    const std::span<const Row> some = all.subspan(at, std::min(kMaxRowsPerInsert, all.size() - at));
    TGATE_ASSIGN_OR_RETURN(auto insert, cache_.Get(kSql[some.size()]));
    for (size_t k = 0; k < some.size(); ++k) {
      const int base = static_cast<int>(k) * 3;
      insert.Bind(base + 1, some[k].payload)
          .Bind(base + 2, some[k].now_ms)
          .Bind(base + 3, some[k].now_ms / 1000);
    }
    TGATE_RETURN_IF_ERROR(insert.Run());
  }
  first_ += static_cast<int64_t>(rows_.size());
  rows_.clear();
  return Status::Ok();
}

}  // namespace tgate::store
