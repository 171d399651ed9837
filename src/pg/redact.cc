#include "pg/redact.h"

#include "pg/connection.h"

namespace tgate::pg {
namespace {

constexpr std::string_view kMask = "***";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// postgresql://user:pw@host/db?password=pw&...: the userinfo's password (libpq
// reads userinfo up to the first '@' before any '/') and every `password`
// query parameter.
std::string RedactUrl(std::string_view url) {
  size_t scheme_end = url.find("://") + 3;
  std::string out(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end);
  size_t stop = rest.find_first_of("@/");
  if (stop != std::string_view::npos && rest[stop] == '@') {
    std::string_view userinfo = rest.substr(0, stop);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out.append(userinfo.substr(0, colon + 1)).append(kMask);
    } else {
      out.append(userinfo);
    }
    rest.remove_prefix(stop);
  }
  size_t query = rest.find('?');
  out.append(rest.substr(0, query));
  if (query == std::string_view::npos) return out;
  std::string_view params = rest.substr(query);  // starts with '?'
  while (!params.empty()) {
    out += params.front();  // '?' or '&'
    params.remove_prefix(1);
    size_t end = params.find('&');
    std::string_view param = params.substr(0, end);
    if (param.starts_with("password=")) {
      out.append("password=").append(kMask);
    } else {
      out.append(param);
    }
    params.remove_prefix(end == std::string_view::npos ? params.size() : end);
  }
  return out;
}

// key=value pairs: the value of `password` (quoted or not).
std::string RedactKeyValue(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // Copy whitespace, then read one keyword.
    while (i < s.size() && IsSpace(s[i])) out += s[i++];
    size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !IsSpace(s[i])) ++i;
    std::string_view key = s.substr(key_start, i - key_start);
    out.append(key);
    while (i < s.size() && IsSpace(s[i])) out += s[i++];
    if (i >= s.size() || s[i] != '=') continue;
    out += s[i++];
    while (i < s.size() && IsSpace(s[i])) out += s[i++];
    size_t value_start = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;  // closing quote
    } else {
      while (i < s.size() && !IsSpace(s[i])) i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
    }
    if (key == "password") {
      out.append(kMask);
    } else {
      out.append(s.substr(value_start, i - value_start));
    }
  }
  return out;
}

}  // namespace

std::string ScrubSecret(std::string message, std::string_view secret) {
  if (secret.empty()) return message;
  for (size_t pos = message.find(secret); pos != std::string::npos;
       pos = message.find(secret, pos + kMask.size())) {
    message.replace(pos, secret.size(), kMask);
  }
  return message;
}

bool IsPostgresUrl(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

std::string Redact(std::string_view conninfo) {
  return IsPostgresUrl(conninfo) ? RedactUrl(conninfo) : RedactKeyValue(conninfo);
}

}  // namespace tgate::pg
