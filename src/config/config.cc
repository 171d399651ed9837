#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "config/table_reader.h"
#include "core/ascii.h"
#include "core/edit_distance.h"
#include "core/status_macros.h"

extern char** environ;

namespace tgate::config {
namespace {

Status ReadLimits(TableReader t, Limits& l) {
  TGATE_RETURN_IF_ERROR(t.Read("global_per_sec", l.global_per_sec));
  TGATE_RETURN_IF_ERROR(t.Read("chat_per_sec", l.chat_per_sec));
  TGATE_RETURN_IF_ERROR(t.Read("chat_burst", l.chat_burst));
  TGATE_RETURN_IF_ERROR(t.Read("group_per_min", l.group_per_min));
  TGATE_RETURN_IF_ERROR(t.Read("paid_per_sec", l.paid_per_sec));
  TGATE_RETURN_IF_ERROR(t.Read("max_in_flight", l.max_in_flight));
  TGATE_RETURN_IF_ERROR(t.Read("max_attempts", l.max_attempts));
  return t.RefuseUnread();
}

Status ReadCommands(const toml::node& n, const std::string& path, std::vector<BotCommand>& out) {
  const toml::array* cmds = n.as_array();
  if (!cmds)
    return Status::InvalidArgument("config key '" + path + "' must be a list of tables: [[bots.commands]]");
  for (size_t i = 0; i < cmds->size(); ++i) {
    const toml::table* ct = (*cmds)[i].as_table();
    if (!ct) {
      return Status::InvalidArgument("config key '" + path + "' must be a list of tables: [[bots.commands]]");
    }
    TableReader t(*ct, path + "[" + std::to_string(i) + "]");
    BotCommand c;
    TGATE_RETURN_IF_ERROR(t.Read("command", c.command));
    TGATE_RETURN_IF_ERROR(t.Read("description", c.description));
    TGATE_RETURN_IF_ERROR(t.RefuseUnread());
    out.push_back(std::move(c));
  }
  return Status::Ok();
}

Status ReadBot(TableReader t, BotConfig& b) {
  TGATE_RETURN_IF_ERROR(t.Read("name", b.name));
  TGATE_RETURN_IF_ERROR(t.Read("token", b.token));
  TGATE_RETURN_IF_ERROR(t.Read("api_url", b.api_url));
  TGATE_RETURN_IF_ERROR(t.Read("webhook_path", b.webhook_path));
  TGATE_RETURN_IF_ERROR(t.Read("webhook_secret", b.webhook_secret));
  TGATE_RETURN_IF_ERROR(t.Read("public_url", b.public_url));
  TGATE_RETURN_IF_ERROR(t.Read("webhook_certificate", b.webhook_certificate));
  TGATE_RETURN_IF_ERROR(t.Read("long_polling", b.long_polling));
  TGATE_RETURN_IF_ERROR(t.Read("welcome_text", b.welcome_text));
  TGATE_RETURN_IF_ERROR(t.Read("invalid_link_text", b.invalid_link_text));
  TGATE_RETURN_IF_ERROR(t.Read("max_queue_age_seconds", b.max_queue_age_seconds));
  if (const toml::node* n = t.Get("limits")) {
    const toml::table* lt = n->as_table();
    if (!lt)
      return Status::InvalidArgument("config key '" + t.PathOf("limits") +
                                     "' must be a table: [bots.limits]");
    TGATE_RETURN_IF_ERROR(ReadLimits(TableReader(*lt, t.PathOf("limits")), b.limits));
  }
  if (const toml::node* n = t.Get("commands")) {
    TGATE_RETURN_IF_ERROR(ReadCommands(*n, t.PathOf("commands"), b.commands));
  }
  return t.RefuseUnread();
}

Status ParseNumber(const std::string& name, const std::string& text, double& out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno != 0 || *end != '\0') {
    return Status::InvalidArgument("environment variable " + name + " must be a number");
  }
  out = v;
  return Status::Ok();
}

// The environment as ApplyEnv reads it: each variable it asks for is noted
// (when `asked` is set), so the ones it never asks for can be named.
struct EnvReader {
  const Env& env;
  std::set<std::string>* asked = nullptr;

  const std::string* Find(const std::string& name) const {
    if (asked) asked->insert(name);
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  }
};

template <typename T>
Status EnvNumber(const EnvReader& env, const std::string& name, T& out) {
  const std::string* text = env.Find(name);
  if (!text) return Status::Ok();
  double v = 0;
  TGATE_RETURN_IF_ERROR(ParseNumber(name, *text, v));
  if constexpr (std::is_integral_v<T>) {
    // Converting a fraction, or a number T cannot hold, would silently change
    // it (or be undefined): "7.5" days or "1e30" bytes is refused instead.
    if (v != std::trunc(v) || v < static_cast<double>(std::numeric_limits<T>::min()) ||
        v >= static_cast<double>(std::numeric_limits<T>::max())) {
      return Status::InvalidArgument("environment variable " + name + " must be a whole number in range");
    }
  }
  out = static_cast<T>(v);
  return Status::Ok();
}

void EnvString(const EnvReader& env, const std::string& name, std::string& out) {
  if (const std::string* v = env.Find(name)) out = *v;
}

Status EnvBool(const EnvReader& env, const std::string& name, bool& out) {
  const std::string* text = env.Find(name);
  if (!text) return Status::Ok();
  const std::string v = AsciiLower(*text);
  if (v == "1" || v == "true" || v == "yes") {
    out = true;
    return Status::Ok();
  }
  if (v == "0" || v == "false" || v == "no" || v.empty()) {
    out = false;
    return Status::Ok();
  }
  return Status::InvalidArgument("environment variable " + name + " must be true or false");
}

// spdlog's level names; "warning" is taken for "warn".
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// Lower-cases log_level and refuses a word spdlog does not know (its
// from_str() would quietly turn logging off), listing the ones it does.
Status NormalizeLogLevel(const Env& env, std::string& level) {
  std::string lower = AsciiLower(level);
  if (lower == "warning") lower = "warn";
  std::vector<std::string> known(std::begin(kLogLevels), std::end(kLogLevels));
  if (std::find(known.begin(), known.end(), lower) != known.end()) {
    level = lower;
    return Status::Ok();
  }
  std::string message = "log level '" + level + "' (" +
                        (env.count("TGATE_LOG_LEVEL") ? "TGATE_LOG_LEVEL" : "log_level in the config file") +
                        ") is not one of ";
  for (size_t i = 0; i < known.size(); ++i) message += (i ? ", " : "") + known[i];
  if (auto close = ClosestWord(lower, known)) message += "; did you mean '" + *close + "'?";
  return Status::InvalidArgument(message);
}

// Lower-cases log_format and refuses anything but "text" and "json".
Status NormalizeLogFormat(const Env& env, std::string& format) {
  std::string lower = AsciiLower(format);
  if (lower == "text" || lower == "json") {
    format = lower;
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "log format '" + format + "' (" +
      (env.count("TGATE_LOG_FORMAT") ? "TGATE_LOG_FORMAT" : "log_format in the config file") +
      ") is not one of text, json");
}

// TGATE_* overrides. Unsuffixed bot variables apply to the default bot; a
// named bot also reads TGATE_BOT_TOKEN_<NAME> (upper case).
Status ApplyEnv(const EnvReader& env, Config& c) {
  EnvString(env, "TGATE_LISTEN", c.listen);
  EnvString(env, "TGATE_DB", c.db);
  EnvString(env, "TGATE_DB_SYNCHRONOUS", c.db_synchronous);
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_RETENTION_DAYS", c.retention_days));
  EnvString(env, "TGATE_API_KEY", c.api_key);
  EnvString(env, "TGATE_EVENTS_URL", c.events_url);
  EnvString(env, "TGATE_EVENTS_SECRET", c.events_secret);
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_EVENTS_CONCURRENCY", c.events_concurrency));
  EnvString(env, "TGATE_LOG_LEVEL", c.log_level);
  EnvString(env, "TGATE_LOG_FORMAT", c.log_format);
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LINK_TTL_SECONDS", c.link_ttl_seconds));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_BODY_BYTES", c.max_body_bytes));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_CONNECTIONS", c.max_connections));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_HTTP_THREADS", c.http_threads));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_QUEUE_AGE_SECONDS", c.max_queue_age_seconds));

  if (c.bots.empty() && env.Find("TGATE_BOT_TOKEN")) c.bots.emplace_back();
  for (size_t i = 0; i < c.bots.size(); ++i) {
    BotConfig& b = c.bots[i];
    EnvString(env, TokenVariable(b.name, false), b.token);
    if (i != 0) continue;
    EnvString(env, "TGATE_BOT_TOKEN", b.token);
    EnvString(env, "TGATE_BOT_API_URL", b.api_url);
    EnvString(env, "TGATE_WEBHOOK_PATH", b.webhook_path);
    EnvString(env, "TGATE_WEBHOOK_SECRET", b.webhook_secret);
    EnvString(env, "TGATE_PUBLIC_URL", b.public_url);
    EnvString(env, "TGATE_WEBHOOK_CERTIFICATE", b.webhook_certificate);
    EnvString(env, "TGATE_WELCOME_TEXT", b.welcome_text);
    TGATE_RETURN_IF_ERROR(EnvBool(env, "TGATE_LONG_POLLING", b.long_polling));
    Limits& l = b.limits;
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_GLOBAL_PER_SEC", l.global_per_sec));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_CHAT_PER_SEC", l.chat_per_sec));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_CHAT_BURST", l.chat_burst));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_GROUP_PER_MIN", l.group_per_min));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_PAID_PER_SEC", l.paid_per_sec));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_MAX_IN_FLIGHT", l.max_in_flight));
    TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LIMIT_MAX_ATTEMPTS", l.max_attempts));
  }
  return Status::Ok();
}

}  // namespace

std::string TokenVariable(std::string_view bot_name, bool default_bot) {
  if (default_bot) return "TGATE_BOT_TOKEN";
  std::string upper;
  for (char ch : bot_name) {
    upper += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::toupper(ch)) : '_';
  }
  return "TGATE_BOT_TOKEN_" + upper;
}

const BotConfig* Config::FindBot(std::string_view name) const {
  if (bots.empty()) return nullptr;
  if (name.empty()) return &bots.front();
  for (const BotConfig& b : bots) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Env ProcessEnv() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("TGATE_", 0) != 0) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::vector<std::string> UnreadEnvVariables(const Config& config, const Env& env) {
  // What ApplyEnv asks for, with every bot-level variable of the default bot
  // asked even when no bot is configured yet.
  Config probe = config;
  if (probe.bots.empty()) probe.bots.emplace_back();
  std::set<std::string> asked;
  (void)ApplyEnv(EnvReader{env, &asked}, probe);
  const std::vector<std::string> known(asked.begin(), asked.end());  // what to suggest
  // Read by tgate's scripts and tests, or by a site (the examples' TGATE_URL),
  // not by tgate.
  for (const char* tool : {"TGATE_TEST_PG", "TGATE_API_EXCHANGES_DIR", "TGATE_FUZZ", "TGATE_SANITIZE",
                           "TGATE_STORE_BENCH_BINDINGS", "TGATE_BINARY", "TGATE_URL"}) {
    asked.insert(tool);
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : env) {
    if (asked.count(name)) continue;
    std::string line = "environment variable " + name + " is not one tgate reads (ignored)";
    if (name.rfind("TGATE_BOT_TOKEN_", 0) == 0) {
      line += ": no configured bot is named " + name.substr(std::string("TGATE_BOT_TOKEN_").size()) +
              " (a bot's token variable is TGATE_BOT_TOKEN_ and its name in upper case)";
    } else if (auto close = ClosestWord(name, known)) {
      line += "; did you mean " + *close + "?";
    }
    out.push_back(std::move(line));
  }
  return out;
}

Result<Config> Parse(std::string_view toml_text, const Env& env) {
  Config c;
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config is not valid TOML (line " << e.source().begin.line << "): " << e.description();
    return Status::InvalidArgument(msg.str());
  }
  TableReader t(root, "");
  TGATE_RETURN_IF_ERROR(t.Read("listen", c.listen));
  TGATE_RETURN_IF_ERROR(t.Read("db", c.db));
  TGATE_RETURN_IF_ERROR(t.Read("db_synchronous", c.db_synchronous));
  TGATE_RETURN_IF_ERROR(t.Read("retention_days", c.retention_days));
  TGATE_RETURN_IF_ERROR(t.Read("api_key", c.api_key));
  TGATE_RETURN_IF_ERROR(t.Read("events_url", c.events_url));
  TGATE_RETURN_IF_ERROR(t.Read("events_secret", c.events_secret));
  TGATE_RETURN_IF_ERROR(t.Read("events_concurrency", c.events_concurrency));
  TGATE_RETURN_IF_ERROR(t.Read("link_ttl_seconds", c.link_ttl_seconds));
  TGATE_RETURN_IF_ERROR(t.Read("max_body_bytes", c.max_body_bytes));
  TGATE_RETURN_IF_ERROR(t.Read("max_connections", c.max_connections));
  TGATE_RETURN_IF_ERROR(t.Read("http_threads", c.http_threads));
  TGATE_RETURN_IF_ERROR(t.Read("log_level", c.log_level));
  TGATE_RETURN_IF_ERROR(t.Read("log_format", c.log_format));
  TGATE_RETURN_IF_ERROR(t.Read("max_queue_age_seconds", c.max_queue_age_seconds));
  if (const toml::node* bots = t.Get("bots")) {
    const toml::array* arr = bots->as_array();
    if (!arr) return Status::InvalidArgument("config key 'bots' must be an array of tables: [[bots]]");
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table* bt = (*arr)[i].as_table();
      if (!bt) return Status::InvalidArgument("config key 'bots' must be an array of tables: [[bots]]");
      BotConfig b;
      if (i > 0) b.name.clear();
      TGATE_RETURN_IF_ERROR(ReadBot(TableReader(*bt, "bots[" + std::to_string(i) + "]"), b));
      if (b.name.empty()) {
        return Status::InvalidArgument("config key 'bots[" + std::to_string(i) + "].name' is required");
      }
      c.bots.push_back(std::move(b));
    }
  }
  TGATE_RETURN_IF_ERROR(t.RefuseUnread());
  TGATE_RETURN_IF_ERROR(ApplyEnv(EnvReader{env}, c));
  TGATE_RETURN_IF_ERROR(NormalizeLogLevel(env, c.log_level));
  TGATE_RETURN_IF_ERROR(NormalizeLogFormat(env, c.log_format));
  return c;
}

namespace {

// `file` against `dir` when it is a relative file path (not empty, not a
// PostgreSQL URL, not one of SQLite's special names).
std::string BesideConfig(const std::filesystem::path& dir, const std::string& file) {
  if (file.empty() || file.front() == ':' || file.rfind("file:", 0) == 0 ||
      file.rfind("postgres://", 0) == 0 || file.rfind("postgresql://", 0) == 0 ||
      std::filesystem::path(file).is_absolute()) {
    return file;
  }
  return (dir / file).lexically_normal().string();
}

}  // namespace

Result<Config> Load(const std::string& path, const Env& env) {
  if (path.empty()) return Parse("", env);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = Parse(ss.str(), env);
  if (!c.ok()) return c;
  // Files the config names are where the config is, wherever tgate was
  // started from (scripts/run.sh changes folder); the environment's are
  // relative to the current folder, as usual.
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  if (!env.count("TGATE_DB")) c->db = BesideConfig(dir, c->db);
  for (size_t i = 0; i < c->bots.size(); ++i) {
    if (i == 0 && env.count("TGATE_WEBHOOK_CERTIFICATE")) continue;
    c->bots[i].webhook_certificate = BesideConfig(dir, c->bots[i].webhook_certificate);
  }
  return c;
}

Result<std::pair<std::string, uint16_t>> SplitHostPort(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "' must be host:port");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "' has an invalid port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace tgate::config
