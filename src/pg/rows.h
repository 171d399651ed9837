// Rows: the result of one statement, owning libpq's PGresult: its rows as
// text (PostgreSQL's output format) and the count of rows a command touched.
// Not a cursor: the whole result is in memory, as libpq returns it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

struct pg_result;  // libpq's PGresult

namespace tgate::pg {

class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);  // takes ownership

  int size() const;  // rows returned (0 for a command without RETURNING)
  int columns() const;
  bool empty() const { return size() == 0; }
  // Rows touched by INSERT/UPDATE/DELETE (PQcmdTuples), 0 otherwise.
  int64_t affected() const;

  bool IsNull(int row, int column) const;
  // The value as text; "" for NULL.
  std::string_view Text(int row, int column) const;
  // The value parsed as a bigint; 0 for NULL. An unparsable value is a bug in
  // the SQL (the column is not an integer): it aborts in debug builds.
  int64_t Int64(int row, int column) const;
  bool Bool(int row, int column) const;  // "t" / "f"

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

}  // namespace tgate::pg
