// The measurements of cleave_bench_remote against one running server node: each section runs
// its variants side by side and prints their results (bench/common/report.hpp).
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/timespan.hpp>

#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"

namespace bench_remote {

/// What the measurements talk to.
struct suite_target {
  /// The client node (in-process) of the placement the server runs.
  cleave::test_node& client;
  /// The server node's process.
  cleave_test::process& server;
  /// The raw CAF echo actor the server published (a remote handle in the client's system).
  caf::actor raw;
  /// The server's raw TCP ping-pong port.
  uint16_t tcp_port;
  /// The deadline of every call (the placement's default).
  caf::timespan timeout;
};

/// Runs B3, B4 (with the HTTP peers in `peers_dir`; "" skips them), B8 and B9; `quick` shortens
/// every window. Returns 0 if every section succeeded, else 1 (the reason on stderr). Drops
/// `target.raw` before returning.
int run_suite(suite_target& target, bool quick, const std::string& peers_dir);

}  // namespace bench_remote
