#include "harness/event_sink.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace tgate::itest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

struct EventSink::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
};

namespace {

// Appends the event for the OpenAPI check (see the header).
void Record(const ReceivedEvent& e) {
  const char* dir = std::getenv("TGATE_API_EXCHANGES_DIR");
  if (!dir || !*dir) return;
  boost::json::object headers;
  for (const auto& [k, v] : e.headers) headers[k] = v;
  boost::json::object line{{"kind", "event"}, {"headers", headers}, {"body", e.body}};
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::ofstream out(std::string(dir) + "/events-" + std::to_string(getpid()) + ".jsonl", std::ios::app);
  out << boost::json::serialize(line) << "\n";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// Coroutines as free functions taking what they use by value: a capturing
// lambda coroutine would outlive its closure.
asio::awaitable<void> Session(EventSink* sink, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buf;
  for (;;) {
    bhttp::request<bhttp::string_body> req;
    auto [ec, n] = co_await bhttp::async_read(stream, buf, req, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    ReceivedEvent e;
    for (const auto& f : req) e.headers[Lower(std::string(f.name_string()))] = std::string(f.value());
    e.body = req.body();
    boost::system::error_code jec;
    auto v = boost::json::parse(e.body, jec);
    if (!jec && v.is_object()) {
      if (const auto* t = v.as_object().if_contains("type"); t && t->is_string()) e.type = t->as_string();
    }
    sink->Received(std::move(e));
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> Accept(EventSink* sink, tcp::acceptor* acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    asio::co_spawn(acceptor->get_executor(), Session(sink, std::move(socket)), asio::detached);
  }
}

EventSink::EventSink() : impl_(std::make_unique<Impl>()) {
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, Accept(this, &impl_->acceptor), asio::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
}

EventSink::~EventSink() {
  impl_->io.stop();
  thread_.join();
}

std::string EventSink::Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }

void EventSink::Received(ReceivedEvent e) {
  Record(e);
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(std::move(e));
}

std::vector<ReceivedEvent> EventSink::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

int EventSink::Count(const std::string& type) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& e : events_) n += e.type == type ? 1 : 0;
  return n;
}

}  // namespace tgate::itest
