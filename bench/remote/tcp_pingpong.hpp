// The raw TCP reference of B9: the least a request/response between two processes can cost here,
// a blocking socket on each side (TCP_NODELAY) echoing fixed 16-byte messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace bench_remote {

/// Size of every ping and pong.
constexpr size_t pingpong_size = 16;

/// Listens on 127.0.0.1:`port` (0 = any free port) and echoes 16-byte messages on one thread,
/// one connection at a time. Stopped and joined by the destructor.
class tcp_pingpong_server {
 public:
  /// Binds and listens before returning; throws std::runtime_error if it cannot.
  explicit tcp_pingpong_server(uint16_t port);
  ~tcp_pingpong_server();
  tcp_pingpong_server(const tcp_pingpong_server&) = delete;
  tcp_pingpong_server& operator=(const tcp_pingpong_server&) = delete;

  uint16_t port() const { return port_; }

 private:
  void run();
  void serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mutex_;
  /// The connection being served (-1: none); shut down by the destructor to end a blocked recv.
  int conn_fd_ = -1;
  bool stopping_ = false;
  std::thread thread_;
};

/// Round-trip times in ns of ping-pongs with the server at 127.0.0.1:`port`, started within
/// [now + warmup, now + warmup + measure). Throws std::runtime_error on a socket error, or if a
/// pong takes more than 2 s.
std::vector<int64_t> tcp_pingpong_rtts(uint16_t port, std::chrono::nanoseconds warmup,
                                       std::chrono::nanoseconds measure);

}  // namespace bench_remote
