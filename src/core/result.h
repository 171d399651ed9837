// Result<T>: either a value or a non-OK Status. The one error-carrying return
// type of the project (decided once; see STYLE.md §5). Not an exception
// wrapper: accessing value() of an error is a programming error (asserts).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "core/status.h"
// Every user of Result gets the early-return macros with it (TGATE_RETURN_IF_ERROR
// lived in this header before it had its own).
#include "core/status_macros.h"  // IWYU pragma: export

namespace tgate {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tgate
