// tgate webhook set|info|delete: setWebhook / getWebhookInfo / deleteWebhook.
// `set` registers <public_url>/hooks/telegram/<webhook_path> with the secret
// header and an explicit allowed_updates that includes my_chat_member
// (botapi-facts.md §7); --certificate uploads a self-signed public key as
// multipart, as Telegram requires ("sending a String will not work"); the
// request is webhook/webhook_registration.h's, shared with `serve`'s check.
#include "cli/common.h"
#include "webhook/webhook_registration.h"

namespace tgate::cli {
namespace {

struct SetOptions {
  std::string url;
  std::string certificate;
  std::string secret;
  int max_connections = 0;
  std::vector<std::string> allowed_updates;
  bool drop_pending = false;
};

int RunSet(const Globals& g, const SetOptions& o) {
  auto c = LoadConfig(g);
  if (!c) return 1;
  config::FillDefaults(*c);  // derives webhook_path when not configured
  const config::BotConfig* bot = PickBot(*c, g);
  if (!bot) return 1;
  auto url =
      o.url.empty() ? webhook::HookUrl(bot->public_url, bot->webhook_path) : Result<std::string>(o.url);
  if (!url.ok()) return Fail(url.status().message());
  webhook::WebhookRegistration reg;
  reg.url = *url;
  reg.secret = o.secret.empty() ? bot->webhook_secret : o.secret;
  reg.certificate_path = o.certificate.empty() ? bot->webhook_certificate : o.certificate;
  reg.max_connections = o.max_connections;
  reg.allowed_updates = o.allowed_updates;
  reg.drop_pending = o.drop_pending;
  auto parts = webhook::SetWebhookParts(reg);
  if (!parts.ok()) return Fail(parts.status().message());
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    telegram::ApiResult r = co_await CallBotMultipart(io, *bot, "setWebhook", *parts);
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
  set->add_option("--certificate", so.certificate,
                  "Self-signed certificate (PEM public key) to upload (default: webhook_certificate)")
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
