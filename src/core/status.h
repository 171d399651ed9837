// Status: the outcome of an operation, as a value. Errors cross folder
// interfaces as a Status (or a Result<T> holding one), never as exceptions.
// Each code maps to one HTTP status (see HttpStatusOf) and one machine word
// (see CodeWord) so the site API can answer any failure uniformly.
// Not a logging facility: messages are for the caller and must never carry a
// bot token (see telegram/redact.h).
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace tgate {

enum class Code {
  kOk,
  kInvalidArgument,  // 400: the request is malformed
  kUnauthenticated,  // 401: missing or wrong credentials
  kForbidden,        // 403
  kNotFound,         // 404
  // 405: the resource exists, not with this HTTP method. Its machine word is
  // "invalid_argument" (see CodeWord), the word clients have always seen for it.
  kMethodNotAllowed,
  kConflict,         // 409: valid, but the state forbids it (e.g. user blocked)
  kPayloadTooLarge,  // 413
  kUnprocessable,    // 422: well-formed but semantically refused
  kRateLimited,      // 429
  kInternal,         // 500
  kUnavailable,      // 503: transient; retry later
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status Forbidden(std::string m) { return {Code::kForbidden, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status MethodNotAllowed(std::string m) { return {Code::kMethodNotAllowed, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status PayloadTooLarge(std::string m) { return {Code::kPayloadTooLarge, std::move(m)}; }
  static Status Unprocessable(std::string m) { return {Code::kUnprocessable, std::move(m)}; }
  static Status RateLimited(std::string m) { return {Code::kRateLimited, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }

  // "not_found: no such user" — for logs and CLI output.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// The HTTP status a site API answer uses for `code`.
unsigned HttpStatusOf(Code code);
// The machine word used in `{"error":{"code":...}}`, e.g. "invalid_argument".
std::string_view CodeWord(Code code);

}  // namespace tgate
