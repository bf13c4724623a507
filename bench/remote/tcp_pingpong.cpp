#include "bench/remote/tcp_pingpong.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bench_remote {

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("tcp ping-pong: " + what + ": " + std::strerror(errno));
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// Reads exactly `n` bytes; false on EOF or error.
bool read_all(int fd, char* buf, size_t n) {
  while (n > 0) {
    auto got = ::recv(fd, buf, n, 0);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      return false;
    }
    buf += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    auto put = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (put <= 0) {
      if (put < 0 && errno == EINTR) continue;
      return false;
    }
    buf += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

}  // namespace

tcp_pingpong_server::tcp_pingpong_server(uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail("socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 4) != 0) {
    auto saved = errno;
    ::close(listen_fd_);
    errno = saved;
    fail("cannot listen on 127.0.0.1:" + std::to_string(port));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread{[this] {
    run();
  }};
}

tcp_pingpong_server::~tcp_pingpong_server() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
    if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
  }
  // Wakes a blocked accept() (Linux returns EINVAL).
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
}

void tcp_pingpong_server::run() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    std::unique_lock<std::mutex> guard{mutex_};
    if (stopping_ || fd < 0) {
      if (fd >= 0) ::close(fd);
      return;
    }
    conn_fd_ = fd;
    guard.unlock();
    serve(fd);
    guard.lock();
    conn_fd_ = -1;
    ::close(fd);
  }
}

void tcp_pingpong_server::serve(int fd) {
  set_nodelay(fd);
  std::array<char, pingpong_size> buf{};
  while (read_all(fd, buf.data(), buf.size()) && write_all(fd, buf.data(), buf.size())) {
  }
}

std::vector<int64_t> tcp_pingpong_rtts(uint16_t port, std::chrono::nanoseconds warmup,
                                       std::chrono::nanoseconds measure) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_at_end{fd};
  // Every wait has a deadline: a pong that does not come within 2 s fails the measurement.
  timeval limit{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  auto addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    fail("cannot connect to 127.0.0.1:" + std::to_string(port));
  set_nodelay(fd);
  std::vector<int64_t> rtts;
  rtts.reserve(1 << 16);
  std::array<char, pingpong_size> out{};
  std::array<char, pingpong_size> in{};
  auto record_from = clock_type::now() + warmup;
  auto stop_at = record_from + measure;
  for (uint64_t seq = 0;; ++seq) {
    auto t0 = clock_type::now();
    if (t0 >= stop_at) break;
    std::memcpy(out.data(), &seq, sizeof seq);
    if (!write_all(fd, out.data(), out.size())) fail("send");
    if (!read_all(fd, in.data(), in.size())) fail("recv");
    auto t1 = clock_type::now();
    if (std::memcmp(in.data(), out.data(), out.size()) != 0)
      throw std::runtime_error("tcp ping-pong: the pong differs from the ping");
    if (t0 >= record_from)
      rtts.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  return rtts;
}

}  // namespace bench_remote
