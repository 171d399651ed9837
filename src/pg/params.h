// Params: the parameters of one SQL statement ($1, $2, ...), as text in
// PostgreSQL's input format, or NULL. The server infers each parameter's type
// from the statement (write a cast, `$1::bigint`, where it cannot). Not a
// query builder: the SQL text is the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgate::pg {

class Params {
 public:
  Params() = default;

  Params& Add(std::string_view text);
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value);
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value);
  Params& AddNull();
  // NULL when empty.
  template <typename T>
  Params& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  size_t size() const { return values_.size(); }
  // For libpq: one pointer per parameter, nullptr for NULL. Valid until the
  // next Add or the Params' end.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

}  // namespace tgate::pg
