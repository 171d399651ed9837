// SiteClient: how CLI commands talk to a running tgate through its own site
// API (so the running dispatcher picks work up at once): the base URL (from
// --url, else http://<listen>) and the API key from the configuration.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "cli/common.h"
#include "http/client.h"

namespace tgate::cli {

class SiteClient {
 public:
  // Reads the configuration; prints why not and returns nullptr on failure.
  static std::unique_ptr<SiteClient> Make(asio::io_context& io, const Globals& g, const std::string& url);

  // Calls the site API. On transport errors or non-2xx answers prints the
  // reason and returns nullopt; otherwise the parsed JSON body (null if none).
  Awaitable<std::optional<boost::json::value>> Call(bhttp::verb method, std::string path,
                                                    std::string body = "");
  const std::string& base() const { return base_; }

 private:
  SiteClient(asio::io_context& io, std::string base, std::string api_key);
  std::string base_;
  std::string api_key_;
  http::Client client_;
};

}  // namespace tgate::cli
