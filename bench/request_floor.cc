#include "bench/request_floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

namespace tgate::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  bool busy = false;
  std::string in;  // bytes of the answer read so far
};

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

// The status of a complete answer at the front of `in` (and drops it), 0 if
// it is not all there yet.
unsigned TakeAnswer(std::string& in) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos || in.size() < 12) return 0;
  size_t length = 0;
  for (size_t line = in.find("\r\n"); line < head_end; line = in.find("\r\n", line + 2)) {
    static constexpr std::string_view kName = "content-length:";
    if (head_end - line - 2 < kName.size()) continue;
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) match = (in[line + 2 + i] | 0x20) == kName[i];
    if (!match) continue;
    size_t v = line + 2 + kName.size();
    while (in[v] == ' ') ++v;
    std::from_chars(in.data() + v, in.data() + head_end, length);
  }
  if (in.size() < head_end + 4 + length) return 0;
  unsigned status = 0;
  std::from_chars(in.data() + 9, in.data() + 12, status);  // "HTTP/1.1 200"
  in.erase(0, head_end + 4 + length);
  return status == 0 ? 1 : status;
}

}  // namespace

double ThreadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

FloorResult MeasureRequestFloor(uint16_t port, const std::string& token, double rate_per_sec,
                                std::chrono::milliseconds tick, int requests, int64_t first_chat) {
  FloorResult result;
  std::vector<Conn> conns(32);
  for (Conn& c : conns) {
    c.fd = Connect(port);
    if (c.fd < 0) {
      std::fprintf(stderr, "floor: cannot connect to 127.0.0.1:%u\n", unsigned(port));
      result.answered_other = requests;
      return result;
    }
  }
  std::vector<Conn*> free_conns;
  for (Conn& c : conns) free_conns.push_back(&c);
  const std::string head = "POST /bot" + token +
                           "/sendMessage HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                           "\r\nContent-Type: application/json\r\nContent-Length: ";
  const double per_tick = 0.98 * rate_per_sec * std::chrono::duration<double>(tick).count();
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  const double cpu_start = ThreadCpuSeconds();
  int sent = 0;
  double credit = 0;
  char buf[4096];
  auto next = Clock::now();
  while (result.answered_200 + result.answered_other < sent || sent < requests) {
    if (Clock::now() > deadline) break;
    next += tick;
    std::this_thread::sleep_until(next);
    for (Conn& c : conns) {  // the answers that came in since the last tick
      if (!c.busy) continue;
      // One read, as a client with a buffer larger than an answer needs; a
      // full buffer means there is more.
      ssize_t n = 0;
      while ((n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        c.in.append(buf, size_t(n));
        if (size_t(n) < sizeof buf) break;
      }
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {  // dropped: this one is lost
        ++result.answered_other;
        c.busy = false;
        close(c.fd);
        c.fd = Connect(port);
        if (c.fd >= 0) free_conns.push_back(&c);
        continue;
      }
      if (unsigned status = TakeAnswer(c.in); status != 0) {
        (status == 200 ? result.answered_200 : result.answered_other) += 1;
        c.busy = false;
        free_conns.push_back(&c);
      }
    }
    credit = std::min(credit + per_tick, per_tick + 1);  // a late tick does not catch up in a burst
    while (credit >= 1 && sent < requests && !free_conns.empty()) {
      Conn* c = free_conns.back();
      free_conns.pop_back();
      const std::string body = R"({"chat_id":)" + std::to_string(first_chat + sent) + R"(,"text":"floor"})";
      if (WriteAll(c->fd, head + std::to_string(body.size()) + "\r\n\r\n" + body)) {
        c->busy = true;
      } else {  // lost; the next request goes on a new connection
        ++result.answered_other;
        close(c->fd);
        c->fd = Connect(port);
        if (c->fd >= 0) free_conns.push_back(c);
      }
      ++sent;
      credit -= 1;
    }
  }
  const int64_t answered = result.answered_200 + result.answered_other;
  result.cpu_us_per_request = answered > 0 ? (ThreadCpuSeconds() - cpu_start) * 1e6 / double(answered) : 0;
  for (Conn& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  return result;
}

}  // namespace tgate::bench
