// Params: the parameters of one Bot API call, gathered into one map whatever
// the encoding, as the Bot API accepts them (botapi-facts.md §9 "URLs"): the
// query string, then the body as application/json (an object),
// application/x-www-form-urlencoded or multipart/form-data (which may carry
// files, e.g. setWebhook's certificate). Body values override query values.
// JSON values that are not strings keep their JSON text (true -> "true",
// {"a":1} -> "{\"a\":1}"), matching how the Bot API reads every parameter as
// a string. Not a validator of individual parameters. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/asio.h"
#include "http/message.h"

namespace tgate::emulator {

struct ParamValue {
  std::string value;     // text, or the file's bytes
  bool is_file = false;  // a multipart part with a filename
  std::string filename;  // for files
};

class Params {
 public:
  // nullptr when absent.
  const ParamValue* Find(std::string_view name) const;
  // The value, or nullopt when absent.
  std::optional<std::string> Get(std::string_view name) const;
  // Bot API booleans: "true"/"True"/"1" are true; absent is `fallback`.
  bool GetBool(std::string_view name, bool fallback = false) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  void Set(std::string name, ParamValue v) { map_[std::move(name)] = std::move(v); }
  void Set(std::string name, std::string v) { map_[std::move(name)] = ParamValue{std::move(v), false, {}}; }
  size_t size() const { return map_.size(); }

 private:
  std::map<std::string, ParamValue, std::less<>> map_;
};

// Parses `req`'s query string and body. InvalidArgument with a short reason
// for a body that does not parse (bad JSON, JSON not an object, multipart
// without boundary or with a broken part).
Result<Params> ParseParams(const http::Request& req);

// The pieces, exposed for tests.
void ParseUrlEncoded(std::string_view text, Params& out);
Status ParseJsonObject(std::string_view text, Params& out);
Status ParseMultipart(std::string_view body, std::string_view content_type, Params& out);
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace tgate::emulator
