// EventSink: the site's events_url for integration tests, a real HTTP server
// on loopback (its own thread) that answers every POST with 200 and keeps what
// tgate sent. With TGATE_API_EXCHANGES_DIR set (CTest sets it), each event is
// also appended as {"kind":"event","headers":{...},"body":"..."} to
// <dir>/events-<pid>.jsonl, which api/check_openapi.py validates against the
// document's webhooks after the integration tests ran.
// Not a check of the signature (the Python client's verify_event tests do
// that) and not a model of a slow or failing site.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tgate::itest {

struct ReceivedEvent {
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string type;  // the body's "type", "" if none
};

class EventSink {
 public:
  EventSink();  // listens on 127.0.0.1, an ephemeral port
  ~EventSink();
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

  // What to set TGATE_EVENTS_URL to.
  std::string Url() const;
  std::vector<ReceivedEvent> Events() const;
  // How many events of `type` arrived.
  int Count(const std::string& type) const;

  // Called by the server's thread for each event.
  void Received(ReceivedEvent e);

 private:
  struct Impl;

  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<ReceivedEvent> events_;
  std::thread thread_;
};

}  // namespace tgate::itest
