// libFuzzer target: a node port's framing (CAF's BASP over TCP behind runtime/transport's guards:
// frame size cap, handshake deadline, connection cap). Node "a" of a two-node placement is started
// once in this process, listening on 127.0.0.1 at a free port, with "security.insecure" so that
// the input reaches BASP directly (with TLS it would stop at the TLS record layer). Each input is
// written raw over a fresh connection, which is then half-closed and drained. The node must not
// crash or allocate what a header announces (run with -malloc_limit_mb=256), must let go of every
// connection soon after its client ended it, and must keep serving: every 64 inputs a fresh
// connection must get the node's BASP server handshake. Any of these failing traps.
//
// Run with -close_fd_mask=2 (scripts/fuzz does): the node logs refused connections.
#include <sanitizer/asan_interface.h>
#include <sys/socket.h>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"
#include "runtime/node/node.hpp"
#include "runtime/placement/placement.hpp"
#include "tests/fuzz/fuzz_socket.hpp"

namespace fuzz {

struct pong {
  std::string text;
};
CLEAVE_MESSAGE(pong, text)

struct ping {
  std::string text;
  std::vector<int32_t> numbers;
  using response = pong;
};
CLEAVE_MESSAGE(ping, text, numbers)

}  // namespace fuzz

namespace {

using namespace std::chrono_literals;

/// "echo" answers a ping with its text; "peer" is the same on node "b" (never started), so that
/// node "a" also runs a forwarder.
cleave::component echo_component(std::string name) {
  return cleave::component::make<fuzz::ping>(
      std::move(name), [](caf::event_based_actor*, const cleave::component_context&) {
        return cleave::handlers(
            [](const fuzz::ping& p) -> caf::result<fuzz::pong> { return fuzz::pong{p.text}; });
      });
}

/// The last inputs, newest last. A node fails on its own threads, often after the input that
/// caused it has been drained: on an ASan report they are written to the folder
/// $CLEAVE_FUZZ_RECENT (scripts/fuzz: build-fuzz/fuzz-crashes/node_port/recent/) as
/// recent-00 (oldest) ... recent-15, to be replayed in that order.
struct recent_inputs {
  static constexpr size_t count = 16;
  std::array<std::vector<uint8_t>, count> inputs;
  size_t next = 0;

  void add(const uint8_t* data, size_t size) {
    inputs[next % count].assign(data, data + size);
    ++next;
  }

  static void dump() {
    const char* dir = std::getenv("CLEAVE_FUZZ_RECENT");
    if (dir == nullptr) return;
    auto& r = the();
    size_t first = r.next > count ? r.next - count : 0;
    for (size_t i = first; i < r.next; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/recent-%02zu", i - first);
      if (FILE* f = std::fopen((std::string{dir} + name).c_str(), "wb")) {
        const auto& in = r.inputs[i % count];
        std::fwrite(in.data(), 1, in.size(), f);
        std::fclose(f);
      }
    }
  }

  static recent_inputs& the() {
    static auto* r = new recent_inputs;
    return *r;
  }
};

struct node_under_test {
  std::unique_ptr<cleave::node> node;
  uint16_t port = 0;
  uint64_t inputs = 0;

  node_under_test() {
    // Not __sanitizer_set_death_callback: libFuzzer's own (which saves the crashing input) is
    // there.
    __asan_set_error_report_callback([](const char*) { recent_inputs::dump(); });
    port = fuzz::free_port();
    auto text = R"({"app": "fuzz", "security": {"insecure": true},
                    "defaults": {"handshake_timeout_ms": 1000, "heartbeat_ms": 200,
                                 "connection_timeout_ms": 1000},
                    "nodes": {"a": {"host": "127.0.0.1", "port": )" +
                std::to_string(port) + R"(},
                              "b": {"host": "127.0.0.1", "port": )" +
                std::to_string(fuzz::free_port()) + R"(}},
                    "components": {"echo": {"node": "a"}, "peer": {"node": "b"}}})";
    auto plan = cleave::parse_placement(text, "node_port_fuzz.json");
    if (!plan) {
      std::fprintf(stderr, "node_port_fuzz: %s\n", cleave::describe(plan.error()).c_str());
      __builtin_trap();
    }
    auto started =
        cleave::node::start({echo_component("echo"), echo_component("peer")}, *plan, "a");
    if (!started) {
      std::fprintf(stderr, "node_port_fuzz: %s\n", cleave::describe(started.error()).c_str());
      __builtin_trap();
    }
    node = std::move(*started);
  }

  /// True if a new connection gets the node's BASP server handshake (at least its 32-byte header)
  /// within 5 s.
  bool serving() const {
    int fd = fuzz::connect_local(port);
    if (fd < 0) return false;
    auto got = fuzz::drain(fd, 5s, 4096, 32);
    fuzz::close_hard(fd);
    return got.bytes.size() >= 32 && got.bytes[0] == 0;  // operation 0: server_handshake
  }
};

/// Started on the first input and never stopped: libFuzzer ends the process with exit().
node_under_test& the_node() {
  static auto* n = new node_under_test;
  return *n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& n = the_node();
  recent_inputs::the().add(data, size);
  if (n.inputs++ % 64 == 0 && !n.serving()) __builtin_trap();  // the node stopped serving
  int fd = fuzz::connect_local(n.port);
  if (fd < 0) __builtin_trap();  // the node stopped accepting
  fuzz::send_all(fd, data, size);
  ::shutdown(fd, SHUT_WR);
  auto answer = fuzz::drain(fd, 10s);
  fuzz::close_hard(fd);
  if (!answer.closed) __builtin_trap();  // the node holds a connection its client ended
  return 0;
}
