#include "tests/integration/nats_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace cleave_test {

using namespace std::chrono_literals;

namespace {

/// nats-server's path: PATH first, then /usr/sbin, where Debian puts it and which is not on the
/// PATH of users other than root.
std::string find_nats_server() {
  std::string dirs = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/usr/local/sbin";
  std::istringstream in{dirs};
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    auto path = dir + "/nats-server";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw std::runtime_error(
      "nats-server not found (PATH, /usr/sbin): install it with `apt-get install nats-server` "
      "(scripts/setup does)");
}

}  // namespace

nats_server::nats_server(uint16_t port) : binary_(find_nats_server()), port_(port) {
  start();
}

nats_server::~nats_server() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    process_->wait(5s);
  }
  // process_'s destructor SIGKILLs it if it lingers, before data_ removes the store.
}

std::string nats_server::url() const {
  return "nats://127.0.0.1:" + std::to_string(port_);
}

void nats_server::start() {
  process_ = std::make_unique<process>(std::vector<std::string>{
      binary_, "-js", "-sd", data_.path(), "-a", "127.0.0.1", "-p", std::to_string(port_)});
  // Ready means both: the log line comes once JetStream has restored its streams, and the port
  // is open then too, but a check of the port alone could meet another process on a reused port.
  auto until = process::clock::now() + 20s;
  if (!process_->wait_for_error_output("Server is ready", until))
    throw std::runtime_error("nats-server did not get ready within 20 s:\n" + process_->report());
  if (!process_->wait_accepting(port_, until))
    throw std::runtime_error("nats-server did not accept connections within 20 s:\n" +
                             process_->report());
}

void nats_server::end(int sig) {
  process_->signal(sig);
  if (!process_->wait(10s))
    throw std::runtime_error("nats-server survived signal " + std::to_string(sig) + ":\n" +
                             process_->report());
}

void nats_server::kill() {
  end(SIGKILL);
}

void nats_server::stop() {
  end(SIGTERM);
}

void nats_server::restart() {
  if (process_->running()) kill();
  start();
}

std::string nats_server::report() const {
  return process_ ? process_->report() : std::string{};
}

}  // namespace cleave_test
