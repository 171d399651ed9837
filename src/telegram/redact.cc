// Token redaction (see redact.h). RedactTokens is a hand-written scan rather
// than a regex because it runs on every log line.
#include "telegram/redact.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

namespace tgate::telegram {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSecretChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// A token is <id>:<secret>: the id 5-16 digits (BotFather ids are 8-10; the
// looser bound also catches test tokens), the secret at least 20 of
// [A-Za-z0-9_-] (real ones are 35). botapi-facts.md §9.
constexpr size_t kMinIdDigits = 5;
constexpr size_t kMaxIdDigits = 16;
constexpr size_t kMinSecretChars = 20;

// Wraps another sink and hands it each record with its payload redacted, so
// the wrapped sink keeps its own pattern and colours.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {
    set_level(inner_->level());
    inner_->set_level(spdlog::level::trace);  // filtering happens here once
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (payload.find(':') == std::string_view::npos) {  // fast path: no token possible
      inner_->log(msg);
      return;
    }
    std::string redacted = RedactTokens(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(redacted.data(), redacted.size());
    inner_->log(copy);
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
};

void WrapSinks(const std::shared_ptr<spdlog::logger>& logger) {
  for (auto& sink : logger->sinks()) {
    if (!std::dynamic_pointer_cast<RedactingSink>(sink)) sink = std::make_shared<RedactingSink>(sink);
  }
}

}  // namespace

std::string RedactTokens(std::string_view text) {
  std::string out;
  size_t copied = 0;  // text[0, copied) is already in `out`
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (!IsDigit(text[i]) || (i > 0 && IsDigit(text[i - 1]))) {
      ++i;
      continue;
    }
    size_t id_end = i;
    while (id_end < n && IsDigit(text[id_end])) ++id_end;
    size_t digits = id_end - i;
    if (digits < kMinIdDigits || digits > kMaxIdDigits || id_end >= n || text[id_end] != ':') {
      i = id_end;
      continue;
    }
    size_t secret_end = id_end + 1;
    while (secret_end < n && IsSecretChar(text[secret_end])) ++secret_end;
    if (secret_end - (id_end + 1) < kMinSecretChars) {
      i = id_end + 1;
      continue;
    }
    if (out.empty()) out.reserve(n);
    out.append(text.substr(copied, id_end + 1 - copied));  // up to and including ':'
    out.append("***");
    copied = i = secret_end;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

void InstallLogRedaction() {
  // Wraps the sinks of every registered logger (the default one included), so
  // level, pattern and colours are kept. Call at start-up, before threads log.
  spdlog::apply_all(WrapSinks);
  if (auto logger = spdlog::default_logger()) WrapSinks(logger);
}

}  // namespace tgate::telegram
