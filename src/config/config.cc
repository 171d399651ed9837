#include "config/config.h"

#include <toml++/toml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/status_macros.h"

extern char** environ;

namespace tgate::config {
namespace {

// Reads an optional key of type T from a TOML table into `out`; a value of the
// wrong type is an error naming the key.
template <typename T>
Status Read(const toml::table& t, std::string_view key, std::string_view where, T& out) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  if constexpr (std::is_same_v<T, bool>) {
    if (auto v = n->value<bool>()) {
      out = *v;
      return Status::Ok();
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (auto v = n->value<double>()) {
      out = *v;
      return Status::Ok();
    }
  } else if constexpr (std::is_integral_v<T>) {
    if (auto v = n->value<int64_t>()) {
      out = static_cast<T>(*v);
      return Status::Ok();
    }
  } else {
    if (auto v = n->value<std::string>()) {
      out = *v;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("config key '" + std::string(where) + std::string(key) +
                                 "' has the wrong type");
}

Status ReadLimits(const toml::table& t, std::string_view where, Limits& l) {
  TGATE_RETURN_IF_ERROR(Read(t, "global_per_sec", where, l.global_per_sec));
  TGATE_RETURN_IF_ERROR(Read(t, "chat_per_sec", where, l.chat_per_sec));
  TGATE_RETURN_IF_ERROR(Read(t, "chat_burst", where, l.chat_burst));
  TGATE_RETURN_IF_ERROR(Read(t, "group_per_min", where, l.group_per_min));
  TGATE_RETURN_IF_ERROR(Read(t, "paid_per_sec", where, l.paid_per_sec));
  TGATE_RETURN_IF_ERROR(Read(t, "max_in_flight", where, l.max_in_flight));
  TGATE_RETURN_IF_ERROR(Read(t, "max_attempts", where, l.max_attempts));
  return Status::Ok();
}

Status ReadBot(const toml::table& t, size_t index, BotConfig& b) {
  std::string where = "bots[" + std::to_string(index) + "].";
  TGATE_RETURN_IF_ERROR(Read(t, "name", where, b.name));
  TGATE_RETURN_IF_ERROR(Read(t, "token", where, b.token));
  TGATE_RETURN_IF_ERROR(Read(t, "api_url", where, b.api_url));
  TGATE_RETURN_IF_ERROR(Read(t, "webhook_path", where, b.webhook_path));
  TGATE_RETURN_IF_ERROR(Read(t, "webhook_secret", where, b.webhook_secret));
  TGATE_RETURN_IF_ERROR(Read(t, "public_url", where, b.public_url));
  TGATE_RETURN_IF_ERROR(Read(t, "long_polling", where, b.long_polling));
  TGATE_RETURN_IF_ERROR(Read(t, "welcome_text", where, b.welcome_text));
  TGATE_RETURN_IF_ERROR(Read(t, "invalid_link_text", where, b.invalid_link_text));
  TGATE_RETURN_IF_ERROR(Read(t, "max_queue_age_seconds", where, b.max_queue_age_seconds));
  if (const toml::table* lt = t["limits"].as_table()) {
    TGATE_RETURN_IF_ERROR(ReadLimits(*lt, where + "limits.", b.limits));
  }
  if (const toml::array* cmds = t["commands"].as_array()) {
    for (const toml::node& n : *cmds) {
      const toml::table* ct = n.as_table();
      if (!ct) return Status::InvalidArgument("config key '" + where + "commands' must be a list of tables");
      BotCommand c;
      TGATE_RETURN_IF_ERROR(Read(*ct, "command", where + "commands.", c.command));
      TGATE_RETURN_IF_ERROR(Read(*ct, "description", where + "commands.", c.description));
      b.commands.push_back(std::move(c));
    }
  }
  return Status::Ok();
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

template <typename T>
Status EnvNumber(const Env& env, const std::string& name, T& out) {
  auto it = env.find(name);
  if (it == env.end()) return Status::Ok();
  double v = 0;
  TGATE_RETURN_IF_ERROR(ParseNumber(name, it->second, v));
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

void EnvString(const Env& env, const std::string& name, std::string& out) {
  if (auto it = env.find(name); it != env.end()) out = it->second;
}

Status EnvBool(const Env& env, const std::string& name, bool& out) {
  auto it = env.find(name);
  if (it == env.end()) return Status::Ok();
  const std::string& v = it->second;
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

// TGATE_* overrides. Unsuffixed bot variables apply to the default bot; a
// named bot also reads TGATE_BOT_TOKEN_<NAME> (upper case).
Status ApplyEnv(const Env& env, Config& c) {
  EnvString(env, "TGATE_LISTEN", c.listen);
  EnvString(env, "TGATE_DB", c.db);
  EnvString(env, "TGATE_DB_SYNCHRONOUS", c.db_synchronous);
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_RETENTION_DAYS", c.retention_days));
  EnvString(env, "TGATE_API_KEY", c.api_key);
  EnvString(env, "TGATE_EVENTS_URL", c.events_url);
  EnvString(env, "TGATE_EVENTS_SECRET", c.events_secret);
  EnvString(env, "TGATE_LOG_LEVEL", c.log_level);
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_LINK_TTL_SECONDS", c.link_ttl_seconds));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_BODY_BYTES", c.max_body_bytes));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_CONNECTIONS", c.max_connections));
  TGATE_RETURN_IF_ERROR(EnvNumber(env, "TGATE_MAX_QUEUE_AGE_SECONDS", c.max_queue_age_seconds));

  if (c.bots.empty() && env.count("TGATE_BOT_TOKEN")) c.bots.emplace_back();
  for (size_t i = 0; i < c.bots.size(); ++i) {
    BotConfig& b = c.bots[i];
    std::string upper;
    for (char ch : b.name) upper += std::isalnum(static_cast<unsigned char>(ch)) ? std::toupper(ch) : '_';
    EnvString(env, "TGATE_BOT_TOKEN_" + upper, b.token);
    if (i != 0) continue;
    EnvString(env, "TGATE_BOT_TOKEN", b.token);
    EnvString(env, "TGATE_BOT_API_URL", b.api_url);
    EnvString(env, "TGATE_WEBHOOK_PATH", b.webhook_path);
    EnvString(env, "TGATE_WEBHOOK_SECRET", b.webhook_secret);
    EnvString(env, "TGATE_PUBLIC_URL", b.public_url);
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
  TGATE_RETURN_IF_ERROR(Read(root, "listen", "", c.listen));
  TGATE_RETURN_IF_ERROR(Read(root, "db", "", c.db));
  TGATE_RETURN_IF_ERROR(Read(root, "db_synchronous", "", c.db_synchronous));
  TGATE_RETURN_IF_ERROR(Read(root, "retention_days", "", c.retention_days));
  TGATE_RETURN_IF_ERROR(Read(root, "api_key", "", c.api_key));
  TGATE_RETURN_IF_ERROR(Read(root, "events_url", "", c.events_url));
  TGATE_RETURN_IF_ERROR(Read(root, "events_secret", "", c.events_secret));
  TGATE_RETURN_IF_ERROR(Read(root, "link_ttl_seconds", "", c.link_ttl_seconds));
  TGATE_RETURN_IF_ERROR(Read(root, "max_body_bytes", "", c.max_body_bytes));
  TGATE_RETURN_IF_ERROR(Read(root, "max_connections", "", c.max_connections));
  TGATE_RETURN_IF_ERROR(Read(root, "log_level", "", c.log_level));
  TGATE_RETURN_IF_ERROR(Read(root, "max_queue_age_seconds", "", c.max_queue_age_seconds));
  if (const toml::node* bots = root.get("bots")) {
    const toml::array* arr = bots->as_array();
    if (!arr) return Status::InvalidArgument("config key 'bots' must be an array of tables: [[bots]]");
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table* bt = (*arr)[i].as_table();
      if (!bt) return Status::InvalidArgument("config key 'bots' must be an array of tables: [[bots]]");
      BotConfig b;
      if (i > 0) b.name.clear();
      TGATE_RETURN_IF_ERROR(ReadBot(*bt, i, b));
      if (b.name.empty()) {
        return Status::InvalidArgument("config key 'bots[" + std::to_string(i) + "].name' is required");
      }
      c.bots.push_back(std::move(b));
    }
  }
  TGATE_RETURN_IF_ERROR(ApplyEnv(env, c));
  return c;
}

Result<Config> Load(const std::string& path, const Env& env) {
  if (path.empty()) return Parse("", env);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), env);
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
