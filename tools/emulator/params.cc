#include "tools/emulator/params.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/status_macros.h"

namespace tgate::emulator {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `key` in a header like `form-data; name="x"; filename="y"`
// (also `multipart/form-data; boundary=abc`), unquoted; nullopt when absent.
std::optional<std::string> HeaderParam(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
    std::string_view rest = header.substr(pos);
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    if (Lower(Trim(rest.substr(0, eq))) != key) continue;
    std::string_view v = Trim(rest.substr(eq + 1));
    if (!v.empty() && v.front() == '"') {
      size_t close = v.find('"', 1);
      return std::string(v.substr(1, close == std::string_view::npos ? v.size() - 1 : close - 1));
    }
    return std::string(Trim(v.substr(0, v.find(';'))));
  }
  return std::nullopt;
}

}  // namespace

const ParamValue* Params::Find(std::string_view name) const {
  auto it = map_.find(name);
  return it == map_.end() ? nullptr : &it->second;
}

std::optional<std::string> Params::Get(std::string_view name) const {
  const ParamValue* v = Find(name);
  if (!v) return std::nullopt;
  return v->value;
}

bool Params::GetBool(std::string_view name, bool fallback) const {
  const ParamValue* v = Find(name);
  if (!v) return fallback;
  std::string s = Lower(v->value);
  return s == "true" || s == "1";
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void ParseUrlEncoded(std::string_view text, Params& out) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
    out.Set(std::move(name), std::move(value));
  }
}

Status ParseJsonObject(std::string_view text, Params& out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return Status::InvalidArgument("can't parse JSON object");
  if (!v.is_object()) return Status::InvalidArgument("JSON body must be an object");
  for (const auto& [key, value] : v.as_object()) {
    if (value.is_string()) {
      out.Set(std::string(key), std::string(value.as_string()));
    } else if (!value.is_null()) {
      out.Set(std::string(key), boost::json::serialize(value));
    }
  }
  return Status::Ok();
}

Status ParseMultipart(std::string_view body, std::string_view content_type, Params& out) {
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty()) return Status::InvalidArgument("multipart body without boundary");
  const std::string delim = "--" + *boundary;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return Status::InvalidArgument("multipart body without parts");
  pos += delim.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return Status::Ok();  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return Status::InvalidArgument("malformed multipart delimiter");
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return Status::InvalidArgument("malformed multipart part");
    std::string_view headers = body.substr(pos, headers_end - pos);
    size_t content_begin = headers_end + 4;
    size_t next = body.find("\r\n" + delim, content_begin);
    if (next == std::string_view::npos) return Status::InvalidArgument("unterminated multipart part");
    std::optional<std::string> name, filename;
    while (!headers.empty()) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (Lower(Trim(line.substr(0, colon))) != "content-disposition") continue;
      std::string_view value = line.substr(colon + 1);
      name = HeaderParam(value, "name");
      filename = HeaderParam(value, "filename");
    }
    if (!name) return Status::InvalidArgument("multipart part without a name");
    ParamValue v{std::string(body.substr(content_begin, next - content_begin)), filename.has_value(),
                 filename.value_or("")};
    out.Set(std::move(*name), std::move(v));
    pos = next + 2 + delim.size();
  }
}

Result<Params> ParseParams(const http::Request& req) {
  Params params;
  std::string_view target = req.target();
  if (size_t q = target.find('?'); q != std::string_view::npos) ParseUrlEncoded(target.substr(q + 1), params);
  const std::string_view body = req.body();
  if (body.empty()) return params;
  std::string_view content_type = req[bhttp::field::content_type];
  std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/json") {
    TGATE_RETURN_IF_ERROR(ParseJsonObject(body, params));
  } else if (type == "application/x-www-form-urlencoded") {
    ParseUrlEncoded(body, params);
  } else if (type == "multipart/form-data") {
    TGATE_RETURN_IF_ERROR(ParseMultipart(body, content_type, params));
  }
  // Other types (or none): the Bot API ignores the body.
  return params;
}

}  // namespace tgate::emulator
