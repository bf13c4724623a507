// The hand-split HTTP alternative of B4: a peer HTTP/JSON echo server (poco_server or
// nethttp-baseline) and its keep-alive client (poco_client or httpcall) from the peers directory,
// each run as a child process, the client's one-line key=value summary read back.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bench_remote {

/// One server/client pair from the peers directory.
struct http_peer {
  /// The variant reported, e.g. "poco_http".
  std::string variant;
  std::string server;
  std::string client;
  /// The server's arguments for `port`.
  std::vector<std::string> (*server_args)(unsigned port);
  /// The client's arguments for `port`, `callers`, `payload` bytes, warm-up and window.
  std::vector<std::string> (*client_args)(unsigned port, int callers, size_t payload,
                                          std::chrono::milliseconds warmup,
                                          std::chrono::milliseconds measure);
};

/// Poco HTTPClientSession keep-alive -> Poco HTTPServer (tuned as the gateway is: 320 threads,
/// since with Poco's default 16 threads keep-alive callers beyond 16 starve).
http_peer poco_peer(const std::string& peers_dir);

/// Go net/http client -> Go net/http server.
http_peer go_peer(const std::string& peers_dir);

/// What a client run printed.
struct http_result {
  double calls_per_s = 0;
  double p50_us = 0;
  long errors = 0;
};

/// Runs the peer's server, waits until it accepts, and runs its client once per entry of
/// `loads` (callers, payload); std::nullopt for a load whose client failed (the reason on
/// stderr). Throws std::runtime_error if the server does not start.
struct http_load {
  int callers = 1;
  size_t payload = 16;
};
std::vector<std::optional<http_result>> run_http_peer(const http_peer& peer,
                                                      const std::vector<http_load>& loads,
                                                      std::chrono::milliseconds warmup,
                                                      std::chrono::milliseconds measure);

/// True if both programs of `peer` exist and are executable.
bool available(const http_peer& peer);

}  // namespace bench_remote
