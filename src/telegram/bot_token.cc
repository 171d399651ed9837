// Bot token shape check (see bot_token.h), hand-written to avoid std::regex.
#include "telegram/bot_token.h"

namespace tgate::telegram {

Status ValidateBotToken(std::string_view token) {
  static const Status kBadShape = Status::InvalidArgument(
      "bot token has an invalid shape; expected <id>:<secret> as given by @BotFather");
  size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 16 || token[0] == '0') return kBadShape;
  for (size_t i = 0; i < colon; ++i) {
    if (token[i] < '0' || token[i] > '9') return kBadShape;
  }
  std::string_view secret = token.substr(colon + 1);
  if (secret.size() < 30 || secret.size() > 64) return kBadShape;
  for (char c : secret) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    if (!ok) return kBadShape;
  }
  return Status::Ok();
}

std::string RedactedBotToken(std::string_view token) {
  size_t colon = token.find(':');
  std::string out = "bot";
  out.append(token.substr(0, colon == std::string_view::npos ? 0 : colon));
  out.append(":***");
  return out;
}

}  // namespace tgate::telegram
