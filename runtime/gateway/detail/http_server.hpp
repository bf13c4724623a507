// The gateway's HTTP server: Poco's HTTPServer set up as measured in
// /work/shared/notes/network-and-edge-facts.md, turning Poco requests into http_request values
// and back. Nothing outside runtime/gateway/ sees Poco.
//
//   detail::http_server srv{config};          // binds host:port (throws std::runtime_error)
//   srv.start(table);                          // serves
//   srv.stop();                                // stop accepting, drain, close (also the dtor)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/gateway/http.hpp"
#include "runtime/gateway/router.hpp"

namespace cleave::detail {

struct server_config {
  /// For log lines: the gateway's component and node names.
  std::string name;
  std::string node;
  std::string host;
  /// 0 = any free port (see http_server::port()).
  uint16_t port = 0;
  /// Most connections served at once (one thread each); the pool keeps up to 16 threads idle.
  int threads = 320;
  /// Larger bodies get 413 (checked against Content-Length before reading, capped while reading).
  uint64_t body_limit = uint64_t{1} << 20;
  /// Limit of each read from a client socket (Poco's receive timeout: per read, not per request).
  std::chrono::milliseconds read_timeout{10000};
  /// How long stop() waits for requests in flight before cutting connections.
  std::chrono::milliseconds drain_timeout{5000};
  /// How long stop() then waits for handlers still running (they wait for calls, which have
  /// deadlines) before it leaves them behind.
  std::chrono::milliseconds straggler_timeout{3000};
};

/// What the server does with a request.
struct dispatch_table {
  router routes;
  /// By router target: the route's handler, inside the middleware.
  std::vector<http_handler> handlers;
  /// The middleware, around the answers the server gives itself (404, 405, 413, 400 on an
  /// unreadable body).
  http_middleware wrap;
};

class http_server {
 public:
  /// Binds the listening socket to config.host:config.port (backlog 1024) without serving yet;
  /// throws std::runtime_error naming the address if that fails.
  explicit http_server(server_config config);

  /// stop()s.
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The bound port.
  uint16_t port() const;

  /// Starts serving requests with `table`.
  void start(std::shared_ptr<const dispatch_table> table);

  /// Stops accepting (new connections are refused), waits until the requests in flight finish
  /// or drain_timeout passes, then closes every connection. Idempotent; blocks at most
  /// drain_timeout + straggler_timeout (+ Poco's 250 ms accept poll).
  void stop();

  /// Requests being handled now.
  int in_flight() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cleave::detail
