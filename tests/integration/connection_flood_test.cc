// Anyone who can reach the port opens more idle connections than tgate has
// room for (issue 11 item 5): /healthz, the site API and Telegram's webhook
// must still answer, and Telegram's own keep-alive connection must survive.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <string>
#include <vector>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

// `n` connections that send nothing, closed on destruction.
class IdleFlood {
 public:
  IdleFlood(uint16_t port, int n) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0) break;
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        break;
      }
      fds_.push_back(fd);
    }
  }
  ~IdleFlood() {
    for (int fd : fds_) ::close(fd);
  }
  size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

// Telegram's side of the webhook: one keep-alive connection, one POST at a time.
class KeepAliveHook {
 public:
  explicit KeepAliveHook(uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  // The status of a POST on this same connection; 0 if the connection is gone.
  int Post(const std::string& body) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, std::string("/hooks/telegram/") + kHookPath,
                                           11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::content_type, "application/json");
    req.set("X-Telegram-Bot-Api-Secret-Token", kHookSecret);
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(socket_, req, ec);
    if (ec) return 0;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer_, res, ec);
    return ec ? 0 : res.result_int();
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Update(int id) {
  return R"({"update_id":)" + std::to_string(id) +
         R"(,"message":{"message_id":1,"date":1,"chat":{"id":9,"type":"private"},"from":{"id":9,"is_bot":false,"first_name":"x"},"text":"hello"}})";
}

// The value of an unlabelled metric line, -1 if absent.
double Metric(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

class ConnectionFlood : public GatewayTest {};

// The issue's scenario: soft limit 1,024, 1,100 idle connections. tgate
// raises its soft limit to the hard one, so there is room for all of them.
TEST_F(ConnectionFlood, TheSoftFdLimitIsRaisedSoAnIdleFloodPastItLocksNothingOut) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 4096) GTEST_SKIP() << "hard fd limit below 4096";
  StartEmulator();
  rlimit low = saved;
  low.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);  // inherited by tgate at spawn
  StartTgate();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

  IdleFlood flood(tgate_port_, 1100);
  ASSERT_EQ(flood.size(), 1100u);
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(Hook(Update(700001)).status, 200);
  EXPECT_EQ(Api("GET", "/v1/users/nobody").status, 404);
  EXPECT_EQ((tgate_->Stdout() + tgate_->Stderr()).find("accept failed"), std::string::npos);
  auto raised = tgate_->WaitForText("open-file limit: ", std::chrono::seconds(1));
  ASSERT_TRUE(raised);
  EXPECT_NE(raised->find("(was 1024;"), std::string::npos) << *raised;
}

// Past max_connections the idlest connections that never had a successful
// request are closed; Telegram's keep-alive webhook connection is not.
TEST_F(ConnectionFlood, AtTheCapTheIdleFloodMakesRoomAndTheWebhookConnectionSurvives) {
  StartEmulator();
  TgateOptions o;
  o.env["TGATE_MAX_CONNECTIONS"] = "50";
  StartTgate(o);
  EXPECT_TRUE(tgate_->WaitForText("at most 50 connections", std::chrono::seconds(1))) << tgate_->Stderr();

  KeepAliveHook telegram(tgate_port_);
  ASSERT_EQ(telegram.Post(Update(800001)), 200);
  IdleFlood flood(tgate_port_, 200);
  ASSERT_EQ(flood.size(), 200u);
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(Api("GET", "/v1/users/nobody").status, 404);
  EXPECT_EQ(Hook(Update(800002)).status, 200);    // a new webhook connection
  EXPECT_EQ(telegram.Post(Update(800003)), 200);  // and the old one is still open

  auto m = TgateCall(tgate_port_, "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_GE(Metric(m.body, "tgate_http_connections_evicted_total"), 150) << m.body;
  EXPECT_LE(Metric(m.body, "tgate_http_connections"), 50) << m.body;
  EXPECT_EQ(Metric(m.body, "tgate_http_connections_refused_total"), 0) << m.body;
}

}  // namespace
}  // namespace tgate::itest
