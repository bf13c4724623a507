#include "tests/faults/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cleave_test {

namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// Closes `fd` with a reset instead of a FIN.
void close_with_reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

using clock_type = std::chrono::steady_clock;

/// What may wait in the proxy for one direction of a connection; past that the sender is not read
/// from until it drains (TCP's flow control pushes back to it), so nothing is lost to the bound.
constexpr size_t max_waiting = size_t{16} << 20;

/// Bytes read from one side, to be written to the other once `due`.
struct chunk {
  clock_type::time_point due;
  std::string bytes;
};

/// One side of a proxied connection: its socket and what waits to be written to it.
struct side {
  int fd = -1;
  /// Not yet due, in the order read.
  std::deque<chunk> held;
  size_t held_bytes = 0;
  /// Due, not yet written.
  std::string pending;
  /// The peer closed its end (or failed): nothing more is read from it.
  bool ended = false;

  size_t waiting() const { return held_bytes + pending.size(); }
};

struct pair {
  side client;
  side server;
  bool closed = false;
};

/// Moves what `from` has to `to`, each chunk due when `due_of()` says as it is read (dropped if
/// it says nothing); stops reading while `to` has max_waiting bytes waiting. Marks `from` ended
/// once it has closed or failed.
template <class DueOf>
void pump(side& from, side& to, DueOf due_of) {
  char buf[16384];
  while (!from.ended && to.waiting() < max_waiting) {
    auto n = ::recv(from.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      from.ended = true;
      return;
    }
    auto due = due_of();
    if (!due) continue;
    to.held.push_back(chunk{*due, std::string(buf, size_t(n))});
    to.held_bytes += size_t(n);
  }
}

/// Moves what is due for `s` by `now` to its pending bytes, in order.
void release(side& s, clock_type::time_point now) {
  while (!s.held.empty() && s.held.front().due <= now) {
    s.pending += s.held.front().bytes;
    s.held_bytes -= s.held.front().bytes.size();
    s.held.pop_front();
  }
}

/// Writes what is pending for `s`; false if the socket failed.
bool flush(side& s) {
  while (!s.pending.empty()) {
    auto n = ::send(s.fd, s.pending.data(), s.pending.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    s.pending.erase(0, size_t(n));
  }
  return true;
}

/// What to poll `s` for: input while it has not ended and the other side has room, output while
/// bytes are pending for it (-1, nothing, once neither).
pollfd events_of(const side& s, const side& other) {
  short events = 0;
  if (!s.ended && other.waiting() < max_waiting) events |= POLLIN;
  if (!s.pending.empty()) events |= POLLOUT;
  return pollfd{events != 0 ? s.fd : -1, events, 0};
}

}  // namespace

tcp_proxy::tcp_proxy(uint16_t target) : target_(target) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 128) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("tcp_proxy: cannot listen");
  port_ = ntohs(addr.sin_port);
  set_nonblocking(listener_);
  thread_ = std::thread{[this] {
    run();
  }};
}

tcp_proxy::~tcp_proxy() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

void tcp_proxy::run() {
  std::vector<pair> pairs;
  auto close_pair = [](pair& p, bool reset) {
    for (auto* s : {&p.client, &p.server}) {
      if (s->fd < 0) continue;
      if (reset)
        close_with_reset(s->fd);
      else
        ::close(s->fd);
      s->fd = -1;
    }
    p.closed = true;
  };
  while (!stopping_) {
    if (reset_requested_.exchange(false))
      for (auto& p : pairs) close_pair(p, true);
    std::vector<pollfd> fds{{listener_, POLLIN, 0}};
    // Short: the mode, a reset or the end may be asked for meanwhile, or held bytes fall due.
    auto wake = clock_type::now() + std::chrono::milliseconds(20);
    for (auto& p : pairs) {
      fds.push_back(events_of(p.client, p.server));
      fds.push_back(events_of(p.server, p.client));
      for (auto* s : {&p.client, &p.server})
        if (!s->held.empty()) wake = std::min(wake, s->held.front().due);
    }
    auto timeout = std::chrono::ceil<std::chrono::milliseconds>(wake - clock_type::now());
    if (::poll(fds.data(), fds.size(), int(std::max<int64_t>(timeout.count(), 0))) < 0) continue;
    if (fds[0].revents & POLLIN) {
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto addr = loopback(target_);
        if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
          ::close(server);
          close_with_reset(client);
        } else {
          set_nonblocking(client);
          set_nonblocking(server);
          pairs.emplace_back();
          pairs.back().client.fd = client;
          pairs.back().server.fd = server;
          ++accepted_;
        }
      }
    }
    // The mode is read for each chunk as it is read: a byte that arrives once set() or
    // set_delay() has returned is treated as the new mode says.
    auto due_of = [this](bool to_server) -> std::optional<clock_type::time_point> {
      auto m = mode_.load();
      if (m == mode::partition || (m == mode::drop_replies && !to_server)) return std::nullopt;
      if (m == mode::delay) return clock_type::now() + delay_.load();
      return clock_type::now();
    };
    for (auto& p : pairs) {
      if (p.closed) continue;
      pump(p.client, p.server, [&] { return due_of(true); });
      pump(p.server, p.client, [&] { return due_of(false); });
      auto now = clock_type::now();
      release(p.server, now);
      release(p.client, now);
      bool written = flush(p.server) && flush(p.client);
      // A side that closed ends the connection once what it sent has been delivered.
      bool ended = (p.client.ended && p.server.waiting() == 0) ||
                   (p.server.ended && p.client.waiting() == 0);
      if (!written || ended) close_pair(p, false);
    }
    std::vector<pair> open;
    for (auto& p : pairs)
      if (!p.closed) open.push_back(std::move(p));
    pairs = std::move(open);
  }
  for (auto& p : pairs) close_pair(p, false);
}

}  // namespace cleave_test
