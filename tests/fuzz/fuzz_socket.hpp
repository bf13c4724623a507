// Helpers shared by the fuzz targets that talk to a server of their own process over TCP on
// 127.0.0.1: send an input as a client would, half-close, and read what comes back, bounded.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace fuzz {

/// A port that was free a moment ago (bound to port 0, then released).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) __builtin_trap();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    __builtin_trap();
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A TCP connection to 127.0.0.1:`port`, or -1 if the server refused it. Connects that fail for
/// want of local ports (every one in TIME_WAIT after a burst of short connections) are retried:
/// that is the fuzzer's exhaustion, not the server's.
inline int connect_local(uint16_t port) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) __builtin_trap();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int err = errno;
    ::close(fd);
    if (err != EADDRNOTAVAIL && err != EAGAIN && err != EINTR) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

/// Writes what it can of `data` (stops when the peer closes), without SIGPIPE.
inline void send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

/// What the peer sends until it closes the connection, and whether it did so before `timeout`
/// (at most `max_keep` bytes are kept; the rest is read and dropped). Returns early, open, once
/// `enough` bytes were kept.
struct drained {
  std::string bytes;
  bool closed = false;
};

inline drained drain(int fd, std::chrono::milliseconds timeout, size_t max_keep = 4096,
                     size_t enough = SIZE_MAX) {
  drained out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return out;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.closed = true;  // EOF, or a reset: either way the server let go of the connection
      return out;
    }
    if (out.bytes.size() < max_keep)
      out.bytes.append(buf, std::min(static_cast<size_t>(n), max_keep - out.bytes.size()));
    if (out.bytes.size() >= enough) return out;
  }
}

/// Closes `fd` with a reset rather than a FIN, so that the client side keeps no TIME_WAIT entry
/// per input.
inline void close_hard(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

}  // namespace fuzz
