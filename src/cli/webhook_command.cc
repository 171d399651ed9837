// tgate webhook set|info|delete: setWebhook / getWebhookInfo / deleteWebhook.
// `set` registers <public_url>/hooks/telegram/<webhook_path> with the secret
// header and an explicit allowed_updates that includes my_chat_member
// (botapi-facts.md §7); --certificate uploads a self-signed public key as
// multipart, as Telegram requires ("sending a String will not work").
#include <fstream>
#include <sstream>

#include "cli/common.h"
#include "webhook/allowed_updates.h"

namespace tgate::cli {
namespace {

constexpr size_t kMaxCertificateBytes = 3 << 20;  // Telegram's MAX_CERTIFICATE_FILE_SIZE

struct SetOptions {
  std::string url;
  std::string certificate;
  std::string secret;
  int max_connections = 0;
  std::vector<std::string> allowed_updates;
  bool drop_pending = false;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read certificate file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > kMaxCertificateBytes) {
    return Status::InvalidArgument("certificate file is over 3 MB; Telegram refuses it");
  }
  return ss.str();
}

// The URL Telegram should call for `bot`, from --url or public_url.
Result<std::string> HookUrl(const config::BotConfig& bot, const std::string& explicit_url) {
  if (!explicit_url.empty()) return explicit_url;
  if (bot.public_url.empty()) {
    return Status::InvalidArgument(
        "no webhook URL: pass --url, or set public_url (TGATE_PUBLIC_URL) to the "
        "public https:// origin that reaches tgate");
  }
  std::string base = bot.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/hooks/telegram/" + bot.webhook_path;
}

int RunSet(const Globals& g, const SetOptions& o) {
  auto c = LoadConfig(g);
  if (!c) return 1;
  config::FillDefaults(*c);  // derives webhook_path when not configured
  const config::BotConfig* bot = PickBot(*c, g);
  if (!bot) return 1;
  auto url = HookUrl(*bot, o.url);
  if (!url.ok()) return Fail(url.status().message());
  std::string secret = o.secret.empty() ? bot->webhook_secret : o.secret;

  boost::json::array allowed = webhook::AllowedUpdates();
  if (!o.allowed_updates.empty()) {
    allowed.clear();
    bool has_member = false;
    for (const std::string& u : o.allowed_updates) {
      allowed.emplace_back(u);
      has_member |= (u == "my_chat_member");
    }
    if (!has_member) allowed.emplace_back("my_chat_member");  // tgate needs blocks/unblocks
  }
  std::vector<telegram::FormPart> parts{{"url", *url, "", ""},
                                        {"allowed_updates", boost::json::serialize(allowed), "", ""}};
  if (!secret.empty()) parts.push_back({"secret_token", secret, "", ""});
  if (o.max_connections > 0) parts.push_back({"max_connections", std::to_string(o.max_connections), "", ""});
  if (o.drop_pending) parts.push_back({"drop_pending_updates", "true", "", ""});
  if (!o.certificate.empty()) {
    auto pem = ReadFile(o.certificate);
    if (!pem.ok()) return Fail(pem.status().message());
    parts.push_back({"certificate", *pem, "certificate.pem", "application/x-pem-file"});
  }
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    telegram::ApiResult r = co_await CallBotMultipart(io, *bot, "setWebhook", parts);
    co_return PrintApiResult(r, *c, *bot);
  });
}

}  // namespace

void AddWebhookCommand(CLI::App& app, Globals& g) {
  CLI::App* cmd = app.add_subcommand("webhook", "Manage the Telegram webhook (set, info, delete)");
  cmd->require_subcommand(1);

  static SetOptions so;
  CLI::App* set = cmd->add_subcommand("set", "setWebhook: make Telegram deliver updates to tgate");
  set->add_option("--url", so.url, "Full webhook URL (default: <public_url>/hooks/telegram/<webhook_path>)");
  set->add_option("--certificate", so.certificate, "Self-signed certificate (PEM public key) to upload")
      ->check(CLI::ExistingFile);
  set->add_option("--secret", so.secret, "X-Telegram-Bot-Api-Secret-Token value (default: webhook_secret)");
  // Telegram allows 1-100 (default 40); a local Bot API server up to 100000
  // (botapi-facts.md §2), so the check is the wider range and Telegram
  // refuses what its own server does not take.
  set->add_option("--max-connections", so.max_connections,
                  "Simultaneous deliveries: 1-100 on api.telegram.org (default 40), "
                  "up to 100000 on a local Bot API server")
      ->check(CLI::Range(1, 100000));
  set->add_option("--allowed-updates", so.allowed_updates, "Update types (my_chat_member is always added)")
      ->delimiter(',');
  set->add_flag("--drop-pending-updates", so.drop_pending, "Drop updates Telegram has queued");
  set->callback([&g] { ExitWith(RunSet(g, so)); });

  static bool drop = false;
  CLI::App* del = cmd->add_subcommand("delete", "deleteWebhook: stop webhook delivery");
  del->add_flag("--drop-pending-updates", drop, "Drop updates Telegram has queued");
  del->callback([&g] {
    boost::json::object p;
    if (drop) p["drop_pending_updates"] = true;
    ExitWith(RunBotCall(g, "deleteWebhook", p));
  });

  CLI::App* info = cmd->add_subcommand("info", "getWebhookInfo: show the webhook Telegram has");
  info->callback([&g] { ExitWith(RunBotCall(g, "getWebhookInfo", {})); });
}

}  // namespace tgate::cli
