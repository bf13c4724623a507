// docs/state.md promises that a write which returned is in the store after kill -9. The tally
// node (cleave_state_app) runs as a child process; the test calls it from a node of its own,
// one bump at a time, and kills the node with -9 while the calls go on. After a restart on the
// same file the count must hold every acknowledged bump, plus at most the one in flight.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "runtime/core/error.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/state/tally.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string state_app = std::string{CLEAVE_BIN_DIR} + "/cleave_state_app";

TEST(state_kill, every_acknowledged_write_survives_kill_9_of_its_node) {
  cleave_test::temp_dir dir;
  auto file = dir.write("tally.json", R"({"app": "cleave_state_app",
    "defaults": {"timeout_ms": 1000},
    "nodes": {"caller": {"host": "127.0.0.1"}, "store": {"host": "127.0.0.1"}},
    "components": {"tally": {"node": "store", "state": "data/tally.db"}}})");
  cleave_test::cluster nodes{state_app, file, {"caller", "store"}};
  nodes.start("store");
  ASSERT_TRUE(nodes.wait_listening("store", 10s)) << nodes.report();
  cleave::placement_options opts;
  opts.app = "cleave_state_app";
  opts.known_components = {"tally"};
  cleave::test_node caller{{state_test::tally_component()}, nodes.plan(opts), "caller"};

  // Bumps one at a time until the node is gone; `acknowledged` is the last count it answered.
  int64_t acknowledged = 0;
  int64_t failed = 0;
  auto killed_at = clock_type::now() + 300ms;
  bool killed = false;
  auto deadline = clock_type::now() + 10s;
  while (clock_type::now() < deadline && failed == 0) {
    if (!killed && clock_type::now() >= killed_at) {
      // From another thread, so that the kill lands while a bump is on its way or being written.
      std::thread{[pid = nodes.at("store").pid()] {
        ::kill(pid, SIGKILL);
      }}.detach();
      killed = true;
    }
    auto r = caller.call("tally", state_test::bump{"x", 1});
    if (r)
      acknowledged = r->count;
    else
      ++failed;
  }
  ASSERT_TRUE(killed);
  ASSERT_GT(acknowledged, 0) << nodes.report();
  ASSERT_EQ(failed, 1) << "the calls never failed: the node was not killed\n" << nodes.report();

  nodes.start("store");  // a restart, on the same file
  ASSERT_TRUE(nodes.wait_listening("store", 10s)) << nodes.report();
  caf::expected<state_test::item> after{caf::error{}};
  auto retry_until = clock_type::now() + 10s;
  do {  // until the caller has reconnected to the new process
    after = caller.call("tally", state_test::bump{"x", 0});
  } while (!after && clock_type::now() < retry_until);
  ASSERT_TRUE(after) << cleave::describe(after.error()) << nodes.report();
  EXPECT_GE(after->count, acknowledged) << "an acknowledged write was lost";
  EXPECT_LE(after->count, acknowledged + 1) << "more than the one bump in flight was applied";
  std::cout << "[figure] kill -9 after " << acknowledged << " acknowledged bumps: the store holds "
            << after->count << "\n";
}

}  // namespace
