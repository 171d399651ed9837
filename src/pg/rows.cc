#include "pg/rows.h"

#include <libpq-fe.h>

#include <cassert>
#include <charconv>
#include <cstdlib>

namespace tgate::pg {

Rows::Rows(pg_result* result) : result_(result) {}

void Rows::Clear::operator()(pg_result* r) const { PQclear(r); }

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }

int Rows::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_.get());
  int64_t value = 0;
  if (n == nullptr || *n == '\0') return 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), value);
  return value;
}

bool Rows::IsNull(int row, int column) const {
  assert(row >= 0 && row < size() && column >= 0 && column < columns());
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Rows::Text(int row, int column) const {
  assert(row >= 0 && row < size() && column >= 0 && column < columns());
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t Rows::Int64(int row, int column) const {
  if (IsNull(row, column)) return 0;
  std::string_view text = Text(row, column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  assert(ec == std::errc() && end == text.data() + text.size() && "Rows::Int64 on a non-integer column");
  (void)end;
  (void)ec;
  return value;
}

bool Rows::Bool(int row, int column) const { return Text(row, column) == "t"; }

}  // namespace tgate::pg
