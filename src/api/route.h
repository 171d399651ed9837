// Route and RouteMatch: one entry of the site API's route table (router.cc)
// and what a matched request carries to its handler: decoded path parameters
// and the query. Handlers are plain functions from (context, request, match)
// to a response, coroutines because they await the store; they touch no
// socket.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "http/asio.h"
#include "http/message.h"

namespace tgate::api {

struct RouteMatch {
  std::vector<std::string> params;           // decoded "{}" segments, in order
  std::map<std::string, std::string> query;  // decoded query parameters

  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

using HandlerFn = Awaitable<http::Response> (*)(ApiContext&, const http::Request&, const RouteMatch&);

struct Route {
  boost::beast::http::verb method;
  const char* pattern;  // "/v1/users/{}": literal segments and {} captures
  HandlerFn handler;
};

// The handlers, one file per resource.
Awaitable<http::Response> CreateLink(ApiContext&, const http::Request&,
                                     const RouteMatch&);                                  // links_handler.cc
Awaitable<http::Response> GetUser(ApiContext&, const http::Request&, const RouteMatch&);  // users_handler.cc
Awaitable<http::Response> DeleteUser(ApiContext&, const http::Request&, const RouteMatch&);
Awaitable<http::Response> SendMessage(ApiContext&, const http::Request&,
                                      const RouteMatch&);  // messages_handler.cc
Awaitable<http::Response> GetMessage(ApiContext&, const http::Request&, const RouteMatch&);
Awaitable<http::Response> CreateBroadcast(ApiContext&, const http::Request&,
                                          const RouteMatch&);  // broadcasts_handler.cc
Awaitable<http::Response> GetBroadcast(ApiContext&, const http::Request&, const RouteMatch&);
Awaitable<http::Response> CancelBroadcast(ApiContext&, const http::Request&, const RouteMatch&);

}  // namespace tgate::api
