#include "pg/host_resolver.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace tgate::pg {
namespace {

std::vector<std::string> Split(std::string_view list) {
  std::vector<std::string> out;
  for (;;) {
    size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    list.remove_prefix(comma + 1);
  }
}

void Append(std::string& list, std::string_view item, bool first) {
  if (!first) list += ',';
  list.append(item);
}

}  // namespace

Awaitable<Result<std::optional<HostOverride>>> ResolveHosts(asio::ip::tcp::resolver& resolver,
                                                            std::string_view host, std::string_view hostaddr,
                                                            std::string_view port) {
  if (host.empty() || !hostaddr.empty()) co_return std::optional<HostOverride>();
  std::vector<std::string> hosts = Split(host);
  std::vector<std::string> ports = port.empty() ? std::vector<std::string>{""} : Split(port);
  if (ports.size() != 1 && ports.size() != hosts.size()) co_return std::optional<HostOverride>();

  HostOverride out;
  bool first = true;
  std::string failure;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const std::string& h = hosts[i];
    const std::string& p = ports.size() == 1 ? ports[0] : ports[i];
    auto add = [&](std::string_view addr) {
      Append(out.host, h, first);
      Append(out.hostaddr, addr, first);
      Append(out.port, p, first);
      first = false;
    };
    // A unix socket directory (or abstract socket): nothing to look up.
    if (h.empty() || h[0] == '/' || h[0] == '@') {
      add("");
      continue;
    }
    boost::system::error_code ec;
    asio::ip::make_address(h, ec);
    if (!ec) {
      add(h);
      continue;
    }
    // (No temporaries or ?: in the co_await's expression: GCC 12 miscompiles them.)
    const std::string service = p.empty() ? std::string("5432") : p;
    auto results = co_await resolver.async_resolve(h, service, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return Status::Unavailable("host name lookup cancelled");
    if (ec) {
      if (failure.empty()) failure = "cannot resolve " + h + ": " + ec.message();
      continue;
    }
    std::vector<std::string> seen;
    for (const auto& entry : results) {
      std::string addr = entry.endpoint().address().to_string();
      if (std::find(seen.begin(), seen.end(), addr) != seen.end()) continue;
      seen.push_back(addr);
      add(addr);
    }
  }
  if (first) {
    co_return Status::Unavailable("cannot reach PostgreSQL at " + hosts[0] +
                                  (ports[0].empty() ? "" : ":" + ports[0]) + ": " + failure);
  }
  co_return std::optional<HostOverride>(std::move(out));
}

}  // namespace tgate::pg
