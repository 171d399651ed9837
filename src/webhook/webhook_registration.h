// WebhookRegistration: the setWebhook request that points Telegram at tgate —
// the URL (<public_url>/hooks/telegram/<webhook_path>), the secret header,
// the update types tgate needs and, for a server with a self-signed
// certificate, that certificate uploaded as a file (Telegram requires
// multipart: "sending a String will not work"). Shared by `tgate webhook set`
// and the start-up check (webhook_check.h). Builds the request only: it calls
// nothing.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "telegram/bot_api.h"

namespace tgate::webhook {

struct WebhookRegistration {
  std::string url;               // the full webhook URL
  std::string secret;            // X-Telegram-Bot-Api-Secret-Token; empty = none
  std::string certificate_path;  // PEM public key to upload; empty = none
  int max_connections = 0;       // 0 = Telegram's default
  // Empty: webhook::AllowedUpdates(). Otherwise these, with my_chat_member added.
  std::vector<std::string> allowed_updates;
  bool drop_pending = false;
};

// <public_url>/hooks/telegram/<webhook_path> (trailing slashes of public_url
// dropped). InvalidArgument, saying what to set, when public_url is empty.
Result<std::string> HookUrl(const std::string& public_url, const std::string& webhook_path);

// The setWebhook form for `r`. InvalidArgument when the certificate cannot be
// read or is over Telegram's 3 MB.
Result<std::vector<telegram::FormPart>> SetWebhookParts(const WebhookRegistration& r);

}  // namespace tgate::webhook
