// PostUpdate over https://, against a real TLS listener on loopback with a
// certificate from `tgate cert self-signed`'s code: trusted only when that
// very certificate was uploaded, with the Bot API's "SSL error {...}" otherwise.
#include "tools/emulator/webhook_post.h"

#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "webhook/self_signed_cert.h"

namespace tgate::emulator {
namespace {

namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// A one-route HTTPS server: answers every request 200 and keeps what it got.
class TlsHook {
 public:
  TlsHook(asio::io_context& io, const webhook::SelfSignedPem& pem)
      : ctx_(ssl::context::tls_server), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain(asio::buffer(pem.certificate));
    ctx_.use_private_key(asio::buffer(pem.private_key), ssl::context::pem);
    asio::co_spawn(io, Serve(), asio::detached);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<std::string> bodies;
  std::vector<std::string> secrets;
  int failed_handshakes = 0;

 private:
  Awaitable<void> Serve() {
    for (;;) {
      auto [aec, socket] = co_await acceptor_.async_accept(kAsTuple);
      if (aec) co_return;
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), ctx_);
      auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kAsTuple);
      if (hec) {
        ++failed_handshakes;
        continue;
      }
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      auto [rec, rn] = co_await bhttp::async_read(stream, buffer, req, kAsTuple);
      if (rec) continue;
      bodies.push_back(req.body());
      secrets.emplace_back(req["X-Telegram-Bot-Api-Secret-Token"]);
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.body() = "{}";
      res.keep_alive(false);
      res.prepare_payload();
      (void)co_await bhttp::async_write(stream, res, kAsTuple);  // the client may be gone: nothing to check
      boost::system::error_code ignored;
      stream.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
  }

  ssl::context ctx_;
  tcp::acceptor acceptor_;
};

webhook::SelfSignedPem Cert(const std::string& host) {
  auto pem = webhook::MakeSelfSignedCert({host, 1});
  EXPECT_TRUE(pem.ok()) << pem.status().ToString();
  return *pem;
}

class HttpsDelivery : public ::testing::Test {
 protected:
  PostOutcome Post(const std::string& url, const std::string& trusted_pem) {
    std::optional<PostOutcome> out;
    asio::co_spawn(io_,
                   PostUpdate(io_.get_executor(), url, "s3cret", trusted_pem, R"({"update_id":1})",
                              std::chrono::seconds(10)),
                   [&](std::exception_ptr e, PostOutcome o) {
                     EXPECT_FALSE(e);
                     out = std::move(o);
                     io_.stop();
                   });
    io_.run_for(std::chrono::seconds(20));
    io_.restart();
    EXPECT_TRUE(out.has_value()) << "PostUpdate never finished";
    return out.value_or(PostOutcome{});
  }

  asio::io_context io_;
};

TEST_F(HttpsDelivery, TheUploadedSelfSignedCertificateIsTrustedAndTheUpdateArrives) {
  auto pem = Cert("127.0.0.1");
  TlsHook hook(io_, pem);
  PostOutcome out =
      Post("https://127.0.0.1:" + std::to_string(hook.port()) + "/hooks/telegram/x", pem.certificate);
  EXPECT_TRUE(out.ok()) << out.error;
  EXPECT_EQ(out.status, 200u);
  ASSERT_EQ(hook.bodies.size(), 1u);
  EXPECT_EQ(hook.bodies[0], R"({"update_id":1})");
  EXPECT_EQ(hook.secrets[0], "s3cret");
}

TEST_F(HttpsDelivery, WithoutAnUploadedCertificateASelfSignedOneFailsAsAnSslError) {
  auto pem = Cert("127.0.0.1");
  TlsHook hook(io_, pem);
  PostOutcome out = Post("https://127.0.0.1:" + std::to_string(hook.port()) + "/", "");
  EXPECT_FALSE(out.ok());
  EXPECT_FALSE(out.answered);
  EXPECT_EQ(out.error.rfind("SSL error {", 0), 0u) << out.error;
  EXPECT_NE(out.error.find("certificate verify failed"), std::string::npos) << out.error;
  EXPECT_TRUE(hook.bodies.empty());
}

TEST_F(HttpsDelivery, AnotherUploadedCertificateIsNotTrusted) {
  auto served = Cert("127.0.0.1");
  auto uploaded = Cert("127.0.0.1");  // same host, another key: not the server's
  TlsHook hook(io_, served);
  PostOutcome out = Post("https://127.0.0.1:" + std::to_string(hook.port()) + "/", uploaded.certificate);
  EXPECT_EQ(out.error.rfind("SSL error {", 0), 0u) << out.error;
  EXPECT_TRUE(hook.bodies.empty());
}

TEST_F(HttpsDelivery, TheCertificateMustNameTheUrlsHost) {
  auto pem = Cert("127.0.0.2");  // uploaded and served, but for another address
  TlsHook hook(io_, pem);
  PostOutcome out = Post("https://127.0.0.1:" + std::to_string(hook.port()) + "/", pem.certificate);
  EXPECT_EQ(out.error.rfind("SSL error {", 0), 0u) << out.error;
  EXPECT_TRUE(hook.bodies.empty());
}

TEST_F(HttpsDelivery, AnUnreadableUploadedCertificateTrustsNothing) {
  auto pem = Cert("127.0.0.1");
  TlsHook hook(io_, pem);
  PostOutcome out = Post("https://127.0.0.1:" + std::to_string(hook.port()) + "/",
                         "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(out.error.rfind("SSL error {", 0), 0u) << out.error;
  EXPECT_TRUE(hook.bodies.empty());
}

TEST_F(HttpsDelivery, PlainHttpToATlsPortIsAClosedConnectionNotAnSslError) {
  auto pem = Cert("127.0.0.1");
  TlsHook hook(io_, pem);
  PostOutcome out = Post("http://127.0.0.1:" + std::to_string(hook.port()) + "/", "");
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.error.find("SSL error"), std::string::npos) << out.error;
}

}  // namespace
}  // namespace tgate::emulator
