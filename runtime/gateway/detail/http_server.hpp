// The gateway's HTTP server: Boost.Beast on one Asio I/O thread, turning requests read from
// connections into http_request values, running the handlers, and writing their answers when they
// come. No thread waits for a handler's answer: a typed route's handler sends a call and returns,
// and the reply is written from the I/O thread when it arrives. Nothing outside runtime/gateway/
// sees Beast or Asio.
//
// Why not Poco's HTTPServer (used until the benchmarks of issue 5): it gives each connection a
// thread that blocks for the answer, so every request made two thread hand-offs with a sleep and a
// wake-up each; under 64 connections 46 % of a node's time went to context switches (measured in
// docs/performance.md).
//
// Hostile clients (docs/http-edge.md): each connection has one timer, re-armed only when a
// deadline comes earlier than the one it waits for, bounding whatever the connection waits for:
// a request's first byte (idle_timeout: then closed), the whole head from its first byte
// (header_timeout: 408), the whole body (body_timeout: 408), the writing of an answer
// (write_timeout). At max_connections, the connection idle longest makes room for a new one.
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
  /// The node's admin port ("nodes.NODE.admin"), not a gateway's "listen": for messages.
  bool admin_of_node = false;
  std::string host;
  /// 0 = any free port (see http_server::port()).
  uint16_t port = 0;
  /// Most connections open at once. A connection accepted at the cap closes the connection that
  /// has waited longest for its next request (none in flight), so idle clients never keep active
  /// ones out; while every connection has a request in flight, new clients wait (in the listen
  /// backlog) until one ends or goes idle.
  int max_connections = 1024;
  /// Larger bodies get 413 (checked against Content-Length before reading, capped while reading).
  uint64_t body_limit = uint64_t{1} << 20;
  /// The whole request head must arrive within this, counted from its first byte: else 408 and
  /// the connection is closed. A deadline for the head, not a limit per read, so that a client
  /// trickling bytes is cut as surely as a silent one.
  std::chrono::milliseconds header_timeout{10000};
  /// The whole body must arrive within this, counted from the end of the head (or from the 100
  /// Continue): else 408 and close.
  std::chrono::milliseconds body_timeout{30000};
  /// How long a connection may wait for the first byte of a request (a new connection, or one
  /// kept alive after an answer) before it is closed, silently.
  std::chrono::milliseconds idle_timeout{10000};
  /// How long writing an answer may take (a client that does not read) before the connection is
  /// closed.
  std::chrono::milliseconds write_timeout{10000};
  /// Show the full text of every error to clients, not only of those they caused (errors.hpp).
  bool expose_errors = false;
  /// How long stop() waits for requests in flight before cutting connections.
  std::chrono::milliseconds drain_timeout{5000};
  /// How long stop() then waits for answers still to come (they wait for calls, which have
  /// deadlines) before it leaves them behind.
  std::chrono::milliseconds straggler_timeout{3000};
};

/// What the server does with a request.
struct dispatch_table {
  router routes;
  /// By router target: the route's handler, inside the middleware.
  std::vector<http_handler> handlers;
  /// The middleware, around the answers the server gives itself to requests whose head it read
  /// (404, 405, 413, 408 on a late body, 400 on an unreadable body or a missing Host). Answers
  /// to requests whose head could not be read (400, 431, 408) and to those read after a stop's
  /// drain (503) bypass it: they get an id of their own (X-Request-Id) and a log line.
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

  /// Starts serving requests with `table` on the server's I/O thread. Handlers and middleware run
  /// there: they must answer or hand the request on without blocking.
  void start(std::shared_ptr<const dispatch_table> table);

  /// Stops accepting (new connections are refused), waits until the requests in flight are
  /// answered or drain_timeout passes, then closes every connection; requests read after that
  /// are refused with 503, unserved. Idempotent; blocks at most drain_timeout +
  /// straggler_timeout.
  void stop();

  /// Requests being handled now (read, not yet answered on the wire).
  int in_flight() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Splits a listen address "host:port" ("[v6]:port", port 0..65535) into `host` (brackets
/// removed) and `port`; false if malformed. A gateway's "listen" and `cleave status --web
/// --listen` take this form.
bool parse_listen(const std::string& text, std::string& host, uint16_t& port);

}  // namespace cleave::detail
