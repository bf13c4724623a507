// A real NATS server with JetStream (Debian's nats-server) for tests: one server on a free loopback
// port, its store in a folder of the test's own, stopped (and its store removed) when the object
// goes.
//
//   cleave_test::nats_server nats;                  // started and ready, or it throws
//   auto nc = cleave::detail::nats_connection::connect({nats.url()});
//   nats.kill();                                    // SIGKILL: a server that is gone
//   nats.restart();                                 // same port, same store
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/testkit/detail/process.hpp"

namespace cleave_test {

class nats_server {
 public:
  /// Starts nats-server and waits (at most 20 s) until it is ready; throws std::runtime_error if
  /// it is not installed or does not get ready.
  nats_server() : nats_server(free_port()) {}
  /// The same on `port` (one a test chose before, to start the server later).
  explicit nats_server(uint16_t port);
  /// Stops it (SIGTERM, then SIGKILL if it lingers) and removes its store.
  ~nats_server();
  nats_server(const nats_server&) = delete;
  nats_server& operator=(const nats_server&) = delete;

  /// "nats://127.0.0.1:<port>".
  std::string url() const;
  uint16_t port() const { return port_; }

  /// Ends it with SIGKILL and waits until it is gone.
  void kill();
  /// Ends it with SIGTERM (a clean shutdown) and waits until it is gone.
  void stop();
  /// Starts it again on the same port and store (after kill or stop; kills it if still running)
  /// and waits until it is ready.
  void restart();

  /// What it printed, for assertion messages.
  std::string report() const;

 private:
  void start();
  /// Sends `sig` and waits until the process is gone; throws if it outlives the wait.
  void end(int sig);

  std::string binary_;
  temp_dir data_;
  uint16_t port_ = 0;
  std::unique_ptr<process> process_;
};

}  // namespace cleave_test
