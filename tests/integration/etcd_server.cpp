#include "tests/integration/etcd_server.hpp"

#include <signal.h>

#include <stdexcept>
#include <vector>

#include "runtime/core/error.hpp"
#include "runtime/registry/etcd.hpp"

namespace cleave_test {

using namespace std::chrono_literals;

etcd_server::etcd_server() {
  auto ports = free_ports(2);
  client_port_ = ports[0];
  peer_port_ = ports[1];
  start();
}

std::string etcd_server::url() const {
  return "http://127.0.0.1:" + std::to_string(client_port_);
}

void etcd_server::start() {
  auto client = url();
  auto peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  // Short raft timings: a single member elects itself in ~0.1 s instead of ~1 s
  // (../shared/notes/etcd-v3-json-gateway.md).
  process_ = std::make_unique<process>(std::vector<std::string>{"etcd",
                                                                "--name",
                                                                "test",
                                                                "--data-dir",
                                                                data_.path() + "/etcd",
                                                                "--listen-client-urls",
                                                                client,
                                                                "--advertise-client-urls",
                                                                client,
                                                                "--listen-peer-urls",
                                                                peer,
                                                                "--initial-advertise-peer-urls",
                                                                peer,
                                                                "--initial-cluster",
                                                                "test=" + peer,
                                                                "--heartbeat-interval",
                                                                "10",
                                                                "--election-timeout",
                                                                "100",
                                                                "--log-level",
                                                                "warn"});
  cleave::registry::etcd_client probe{{"127.0.0.1", client_port_}, 500ms};
  auto until = process::clock::now() + 20s;
  while (process::clock::now() < until) {
    if (!process_->running() || process_->wait(1ms))
      throw std::runtime_error("etcd exited:\n" + process_->report());
    if (probe.range_prefix("/")) return;
    process_->wait(20ms);  // reads its output meanwhile
  }
  throw std::runtime_error("etcd did not answer within 20 s:\n" + process_->report());
}

void etcd_server::kill() {
  process_->signal(SIGKILL);
  if (!process_->wait(10s)) throw std::runtime_error("etcd survived SIGKILL");
}

void etcd_server::restart() {
  if (process_->running()) kill();
  start();
}

std::string etcd_server::report() const {
  return process_ ? process_->report() : std::string{};
}

}  // namespace cleave_test
