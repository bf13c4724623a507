#include "tests/faults/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

/// One side of a proxied connection: its socket and what waits to be written to it.
struct side {
  int fd = -1;
  std::string pending;
};

struct pair {
  side client;
  side server;
  bool closed = false;
};

/// Moves what `from` has to `to` (or drops it); false once `from` has closed.
bool pump(side& from, side& to, bool drop) {
  char buf[16384];
  for (;;) {
    auto n = ::recv(from.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    // Bounded: a peer that does not read costs at most this much memory, then bytes are dropped.
    if (!drop && to.pending.size() < (size_t{16} << 20)) to.pending.append(buf, size_t(n));
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
    for (auto& p : pairs) {
      fds.push_back({p.client.fd, short(POLLIN | (p.client.pending.empty() ? 0 : POLLOUT)), 0});
      fds.push_back({p.server.fd, short(POLLIN | (p.server.pending.empty() ? 0 : POLLOUT)), 0});
    }
    // Short: the mode, a reset or the end may be asked for meanwhile.
    if (::poll(fds.data(), fds.size(), 20) < 0) continue;
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
          pairs.push_back(pair{side{client, {}}, side{server, {}}, false});
          ++accepted_;
        }
      }
    }
    auto m = mode_.load();
    for (auto& p : pairs) {
      if (p.closed) continue;
      bool up = pump(p.client, p.server, m == mode::partition);
      bool down = pump(p.server, p.client, m != mode::pass);
      if (!up || !down || !flush(p.server) || !flush(p.client)) close_pair(p, false);
    }
    std::vector<pair> open;
    for (auto& p : pairs)
      if (!p.closed) open.push_back(std::move(p));
    pairs = std::move(open);
  }
  for (auto& p : pairs) close_pair(p, false);
}

}  // namespace cleave_test
