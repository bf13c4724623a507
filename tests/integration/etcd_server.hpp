// A real etcd (Debian's etcd-server) for tests: one member on free loopback ports, its data in a
// folder of the test's own, stopped (and its data removed) when the object goes.
//
//   cleave_test::etcd_server etcd;                  // started and answering, or it throws
//   placement: "registry": {"etcd": etcd.url()}
//   etcd.kill();                                    // SIGKILL: an etcd that is gone
//   etcd.restart();                                 // same ports, same data
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/testkit/detail/process.hpp"

namespace cleave_test {

class etcd_server {
 public:
  /// Starts etcd and waits (at most 20 s) until it answers; throws std::runtime_error if it does
  /// not.
  etcd_server();
  ~etcd_server() = default;
  etcd_server(const etcd_server&) = delete;
  etcd_server& operator=(const etcd_server&) = delete;

  /// "http://127.0.0.1:<client port>".
  std::string url() const;
  uint16_t client_port() const { return client_port_; }

  /// Ends it with SIGKILL and waits until it is gone.
  void kill();
  /// Starts it again on the same ports and data and waits until it answers.
  void restart();

  /// What it printed, for assertion messages.
  std::string report() const;

 private:
  void start();

  temp_dir data_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  std::unique_ptr<process> process_;
};

}  // namespace cleave_test
