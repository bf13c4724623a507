// Apps spread over several processes behave as the monolith does, and failures of nodes are
// bounded: banano prints the same lines on every placement and in either start order; a call to a
// node that is down fails at once with `unavailable` naming component and node, a call in flight to
// a node killed (kill -9) or frozen (SIGSTOP) fails with `outcome_unknown` long before its
// deadline; a restarted node serves the same caller again; reply handles and delegation cross
// nodes; the test components answer the same in-process, serialized and spread over processes.
//
// The caller is often a node run inside the test (cleave::test_node), so that the test can time
// its calls and see their errors; every other node is a child process at a port picked at run
// time. The figures the runtime promises (kill -> failure, restart -> success, SIGSTOP -> failure)
// are printed on stdout as "[figure] ..." lines.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/deployment.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/integration/etcd_server.hpp"
#include "tests/runtime/component/test_components.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;
using cleave::all_deployments;
using cleave::app_under_test;
using cleave::deployed;
using cleave::deployment;
using cleave::deployment_name;
using cleave_test::cluster;
using cleave_test::temp_dir;
using clock_type = std::chrono::steady_clock;

// A node listens about 5 ms after it starts and banano's scenario takes about 10 ms; this only
// bounds a hang, and is short enough that a test waiting on several nodes in turn still fails
// within ctest's 120 s.
constexpr auto child_deadline = 10s;
constexpr std::chrono::milliseconds child_deadline_ms = child_deadline;

const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string banano_bin = bin_dir + "/banano";
const std::string test_app_bin = bin_dir + "/cleave_test_app";
const std::string skewed_app_bin = bin_dir + "/cleave_test_app_skewed";

std::string banano_config(const std::string& name) {
  return std::string{CLEAVE_SOURCE_DIR} + "/configs/banano/" + name + ".json";
}

const std::string scenario_output =
    "Starting..\nCreated d1\nGot d1\nListed 1 items\nDeleted d1\nListed 0 items\n";

double in_ms(clock_type::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Prints a measured time, for the report of a run (grep "[figure]").
void print_figure(const std::string& what, clock_type::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", in_ms(d));
  std::cout << "[figure] " << what << ": " << text << std::endl;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

/// Runs banano's monolith (with `args` added) to completion; its stdout is what every placement
/// must print.
std::string monolith_output(std::vector<std::string> args = {}) {
  std::vector<std::string> argv{banano_bin, "--placement", banano_config("monolith")};
  argv.insert(argv.end(), args.begin(), args.end());
  cleave_test::process p{std::move(argv)};
  auto code = p.wait(child_deadline);
  EXPECT_TRUE(code) << "the monolith did not finish within the deadline\n" << p.report();
  EXPECT_EQ(code.value_or(-1), 0) << p.report();
  EXPECT_EQ(p.output(), scenario_output) << p.report();
  return p.output();
}

/// Exit code of `p` once it has finished, -1 if it is still running at the deadline.
int exit_code(cleave_test::process& p) {
  return p.wait(child_deadline).value_or(-1);
}

// -- banano on several nodes ------------------------------------------------------------------

TEST(banano_cluster, split_prints_what_the_monolith_prints) {
  auto expected = monolith_output();
  cluster c{banano_bin, banano_config("split"), {"front", "store"}};
  auto& store = c.start("store");
  ASSERT_TRUE(c.wait_listening("store", child_deadline)) << c.report();
  auto& front = c.start("front");
  EXPECT_EQ(exit_code(front), 0) << c.report();
  EXPECT_EQ(front.output(), expected) << c.report();
  store.signal(SIGTERM);
  EXPECT_EQ(exit_code(store), 0) << "a serving node drains and exits 0 on SIGTERM\n" << c.report();
}

TEST(banano_cluster, mixed_prints_what_the_monolith_prints) {
  auto expected = monolith_output();
  cluster c{banano_bin, banano_config("mixed"), {"client", "logic", "data"}};
  auto& data = c.start("data");
  auto& logic = c.start("logic");
  ASSERT_TRUE(c.wait_listening("data", child_deadline)) << c.report();
  ASSERT_TRUE(c.wait_listening("logic", child_deadline)) << c.report();
  auto& client = c.start("client");
  EXPECT_EQ(exit_code(client), 0) << c.report();
  EXPECT_EQ(client.output(), expected) << c.report();
  logic.signal(SIGTERM);
  data.signal(SIGTERM);
  EXPECT_EQ(exit_code(logic), 0) << c.report();
  EXPECT_EQ(exit_code(data), 0) << c.report();
}

TEST(banano_cluster, step5_two_store_replicas_keyed_by_id_print_what_the_monolith_prints) {
  auto expected = monolith_output();
  cluster c{banano_bin, banano_config("step5"), {"front", "store-a", "store-b"}};
  c.start("store-a");
  c.start("store-b");
  ASSERT_TRUE(c.wait_listening("store-a", child_deadline)) << c.report();
  ASSERT_TRUE(c.wait_listening("store-b", child_deadline)) << c.report();
  auto& front = c.start("front");
  EXPECT_EQ(exit_code(front), 0) << c.report();
  EXPECT_EQ(front.output(), expected) << c.report();
  // Every call about d1 went to one replica (insert, find, erase), the two listings to both:
  // `cleave status` counts 5 calls on one and 2 on the other.
  std::vector<std::string> argv{bin_dir + "/cleave", "status", banano_config("step5")};
  for (const auto& o : c.overrides()) argv.insert(argv.end(), {"--set", o});
  cleave_test::process status{argv};
  ASSERT_NE(exit_code(status), -1) << status.report();
  auto out = status.output();
  auto five = out.find("thingey-store: 5 calls served (replica ");
  auto two = out.find("thingey-store: 2 calls served (replica ");
  EXPECT_NE(out.find("(replica 1 of 2, keyed by id)"), std::string::npos) << out;
  EXPECT_NE(out.find("(replica 2 of 2, keyed by id)"), std::string::npos) << out;
  EXPECT_NE(five, std::string::npos) << out;
  EXPECT_NE(two, std::string::npos) << out;
}

TEST(banano_cluster, step5_store_instances_found_through_etcd_print_what_the_monolith_prints) {
  auto expected = monolith_output();
  cleave_test::etcd_server etcd;
  cluster c{banano_bin,
            banano_config("step5-registry"),
            {"front", "store"},
            {"registry.etcd=" + etcd.url()}};
  auto& first = c.start("store");
  // A second instance of node "store", at a port of its own: no placement edit.
  std::vector<std::string> argv{banano_bin, "--placement", banano_config("step5-registry"),
                                "--node", "store"};
  for (const auto& o : c.overrides()) argv.insert(argv.end(), {"--set", o});
  argv.insert(argv.end(),
              {"--set", "nodes.store.port=" + std::to_string(cleave_test::free_port())});
  cleave_test::process second{argv};
  const std::string registered = R"("msg":"registry: registered")";
  ASSERT_TRUE(first.wait_for_error_output(registered, child_deadline)) << c.report();
  ASSERT_TRUE(second.wait_for_error_output(registered, child_deadline)) << second.report();
  auto& front = c.start("front");
  EXPECT_EQ(exit_code(front), 0) << c.report() << second.report();
  EXPECT_EQ(front.output(), expected) << c.report() << second.report();
  // `cleave status` reads the instances from the registry (the front has left it): the calls
  // about d1 went to one instance, the two listings to both.
  std::vector<std::string> status_argv{bin_dir + "/cleave", "status",
                                       banano_config("step5-registry")};
  for (const auto& o : c.overrides()) status_argv.insert(status_argv.end(), {"--set", o});
  cleave_test::process status{status_argv};
  EXPECT_EQ(exit_code(status), 0) << status.report();
  auto out = status.output();
  EXPECT_NE(out.find(": 2 instances registered\n"), std::string::npos) << out;
  EXPECT_NE(out.find("instance store@127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("thingey-store: 5 calls served (replica "), std::string::npos) << out;
  EXPECT_NE(out.find("thingey-store: 2 calls served (replica "), std::string::npos) << out;
  EXPECT_NE(out.find(" of 2, keyed by id)"), std::string::npos) << out;
  // The stores called nothing: no replicas of their own to show.
  EXPECT_EQ(out.find("  calls to "), std::string::npos) << out;
  second.signal(SIGTERM);
  first.signal(SIGTERM);
  EXPECT_EQ(exit_code(second), 0) << second.report();
  EXPECT_EQ(exit_code(first), 0) << c.report();
}

TEST(banano_cluster, a_node_whose_port_is_taken_says_so_and_names_the_placement_field) {
  cluster c{banano_bin, banano_config("split"), {"front", "store"}};
  auto& store = c.start("store");
  ASSERT_TRUE(c.wait_listening("store", child_deadline)) << c.report();
  std::vector<std::string> argv{banano_bin, "--placement", banano_config("split"), "--node",
                                "store"};
  for (const auto& o : c.overrides()) argv.insert(argv.end(), {"--set", o});
  cleave_test::process second{argv};
  auto code = second.wait(child_deadline);
  ASSERT_TRUE(code) << second.report();
  EXPECT_NE(*code, 0);
  EXPECT_NE(second.errors().find("cannot listen on 127.0.0.1:" + std::to_string(c.port("store")) +
                                 ": cannot_open_port: Address already in use (placement: "
                                 "nodes.store.host and .port)"),
            std::string::npos)
      << second.report();
  store.signal(SIGTERM);
  EXPECT_EQ(exit_code(store), 0) << c.report();
}

TEST(banano_cluster, front_started_before_the_store_waits_for_it) {
  auto expected = monolith_output();
  // The first call waits for the store to come up: more headroom than the file's 2 s.
  cluster c{banano_bin, banano_config("split"), {"front", "store"}, {"defaults.timeout_ms=5000"}};
  auto& front = c.start("front");
  // "Starting.." is printed just before the first call that needs the store.
  ASSERT_TRUE(front.wait_for_output("Starting..\n", child_deadline)) << c.report();
  ASSERT_TRUE(front.running()) << "front gave up before the store started\n" << c.report();
  auto& store = c.start("store");
  EXPECT_EQ(exit_code(front), 0) << c.report();
  EXPECT_EQ(front.output(), expected) << c.report();
  store.signal(SIGTERM);
  EXPECT_EQ(exit_code(store), 0) << c.report();
}

TEST(banano_cluster, serialize_local_prints_what_the_monolith_prints) {
  monolith_output({"--set", "defaults.serialize_local=true"});
}

// -- the test components on several nodes -----------------------------------------------------

/// The test components; in the multi-process deployment each on a node of its own.
app_under_test test_app() {
  app_under_test app{"cleave_test_app", test_app_bin, all_components(), {}, {}};
  for (const auto& c : all_components()) app.nodes[c.name()] = "n-" + c.name();
  app.configs["silent"] = boost::json::object{{"greeting", "hi"}};
  return app;
}

/// A placement of cleave_test_app: the components in `elsewhere` on the nodes it names, every
/// other one on node "caller" (the test). Ports come from the cluster's --set arguments.
std::string test_app_placement(const std::map<std::string, std::string>& elsewhere,
                               boost::json::object defaults = {{"timeout_ms", 2000}}) {
  auto app = test_app();
  app.nodes = elsewhere;
  app.defaults = std::move(defaults);
  return cleave::placement_text(app, deployment::multi_process);
}

/// The nodes of a test_app_placement: "caller" and those in `elsewhere`.
std::vector<std::string> nodes_of(const std::map<std::string, std::string>& elsewhere) {
  std::vector<std::string> out{"caller"};
  for (const auto& [component, node] : elsewhere)
    if (std::find(out.begin(), out.end(), node) == out.end()) out.push_back(node);
  return out;
}

struct timed_call {
  caf::expected<void> result;
  clock_type::time_point done;
};

/// Calls "silent" (which never answers) on a thread of its own, with deadline `timeout`.
std::future<timed_call> call_silent_async(caf::actor_system& sys, caf::timespan timeout) {
  return std::async(std::launch::async, [&sys, timeout] {
    cleave::client c{sys};  // blocking clients are per thread
    auto r = c.call("silent", never_answer{}, timeout);
    return timed_call{std::move(r), clock_type::now()};
  });
}

/// Calls "silent" from an event-based actor (whose calls keep their deadlines in call_deadlines,
/// not CAF's clock), with deadline `timeout`.
std::future<timed_call> call_silent_from_actor(caf::actor_system& sys, caf::timespan timeout) {
  auto done = std::make_shared<std::promise<timed_call>>();
  auto out = done->get_future();
  sys.spawn([done, timeout](caf::event_based_actor* self) -> caf::behavior {
    cleave::call(self, "silent", never_answer{}, timeout)
        .then(
            [self, done] {
              done->set_value(timed_call{{}, clock_type::now()});
              self->quit();
            },
            [self, done](caf::error err) {
              done->set_value(timed_call{std::move(err), clock_type::now()});
              self->quit();
            });
    return {[](const std::string&) {
    }};  // lives until the call ends
  });
  return out;
}

TEST(cluster, call_to_a_node_that_is_down_fails_unavailable_naming_component_and_node) {
  std::map<std::string, std::string> elsewhere{{"echo", "far"}};
  temp_dir dir;
  // No start-up grace: the caller does not wait for "far" to start (as it would for
  // defaults.startup_grace_ms after it started, so that nodes may start in any order).
  auto file =
      dir.write("placement.json",
                test_app_placement(elsewhere, {{"timeout_ms", 2000}, {"startup_grace_ms", 0}}));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  // Node "far" is never started: nothing listens at its port.
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};
  // The connection is refused at once, and so is the call: it does not wait for its deadline.
  for (const char* which : {"first call", "next call"}) {
    auto start = clock_type::now();
    auto r = caller.call("echo", echo{"x"}, 2s);
    auto elapsed = clock_type::now() - start;
    ASSERT_FALSE(r) << "a call to a node that was never started succeeded";
    EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unavailable)) << cleave::describe(r.error());
    EXPECT_TRUE(starts_with(cleave::what(r.error()),
                            "echo on node \"far\" (" + c.address("far") + "): cannot connect: "))
        << cleave::describe(r.error());
    EXPECT_LT(elapsed, 50ms) << which << " to a node that is down took " << in_ms(elapsed)
                             << " ms (deadline 2 s)";
    print_figure(std::string{which} + " to a node that is down (2 s deadline) -> unavailable",
                 elapsed);
  }
}

TEST(cluster, kill_9_fails_calls_in_flight_at_once_and_a_restarted_node_serves_the_same_caller) {
  std::map<std::string, std::string> elsewhere{{"echo", "far"}, {"silent", "far"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};
  const std::string far_is = "on node \"far\" (" + c.address("far") + "): ";

  // (a) The far node serves.
  auto before = caller.call("echo", echo{"before"}, 5s);
  ASSERT_TRUE(before) << cleave::describe(before.error()) << "\n" << c.report();
  EXPECT_EQ(before->text, "before");
  EXPECT_EQ(before->by, "echo");

  // (b) Calls in flight when the node dies fail at once, not at their 10 s deadline: a blocking
  // one and one from an actor. A first call, left to time out, connects silent's forwarder, so
  // that these go straight to the far node (the forwarder only hears of the blocking one).
  auto warm = caller.call("silent", never_answer{}, 200ms);
  ASSERT_FALSE(warm);
  EXPECT_TRUE(cleave::is(warm.error(), cleave::errc::deadline_exceeded))
      << cleave::describe(warm.error());
  auto in_flight = call_silent_async(caller.system(), 10s);
  auto from_actor = call_silent_from_actor(caller.system(), 10s);
  ASSERT_TRUE(cleave_test::wait_for_calls(caller.system(), c.port("far"), "silent", 3,
                                          clock_type::now() + 5s))
      << "the call to silent did not reach node far\n"
      << c.report();
  auto killed = clock_type::now();
  c.at("far").signal(SIGKILL);
  ASSERT_EQ(in_flight.wait_for(5s), std::future_status::ready)
      << "the call in flight was still waiting 5 s after the kill";
  auto outcome = in_flight.get();
  ASSERT_FALSE(outcome.result) << "silent never answers, yet the call succeeded";
  // It was sent: the node may have applied it before it died, so it is not `unavailable`.
  EXPECT_TRUE(cleave::is(outcome.result.error(), cleave::errc::outcome_unknown))
      << cleave::describe(outcome.result.error());
  EXPECT_TRUE(starts_with(cleave::what(outcome.result.error()),
                          "silent " + far_is + "connection lost after the request was sent"))
      << cleave::describe(outcome.result.error());
  EXPECT_LT(outcome.done - killed, 1s)
      << "in-flight call failed " << in_ms(outcome.done - killed) << " ms after the kill";
  print_figure("kill -9 -> in-flight failure", outcome.done - killed);
  ASSERT_EQ(from_actor.wait_for(5s), std::future_status::ready)
      << "the actor's call in flight was still waiting 5 s after the kill";
  auto actor_outcome = from_actor.get();
  ASSERT_FALSE(actor_outcome.result) << "silent never answers, yet the actor's call succeeded";
  EXPECT_TRUE(cleave::is(actor_outcome.result.error(), cleave::errc::outcome_unknown))
      << cleave::describe(actor_outcome.result.error());
  EXPECT_TRUE(starts_with(cleave::what(actor_outcome.result.error()),
                          "silent " + far_is + "connection lost after the request was sent"))
      << cleave::describe(actor_outcome.result.error());
  EXPECT_LT(actor_outcome.done - killed, 1s)
      << "the actor's call failed " << in_ms(actor_outcome.done - killed) << " ms after the kill";
  EXPECT_EQ(exit_code(c.at("far")), 128 + SIGKILL) << c.report();

  // (c) While the node is down, new calls fail at once with unavailable (certainly not applied),
  // not at their deadline.
  auto start = clock_type::now();
  auto down = caller.call("echo", echo{"while down"}, 2s);
  auto elapsed = clock_type::now() - start;
  ASSERT_FALSE(down) << "echo answered although its node is dead";
  EXPECT_TRUE(cleave::is(down.error(), cleave::errc::unavailable))
      << cleave::describe(down.error());
  EXPECT_TRUE(starts_with(cleave::what(down.error()), "echo " + far_is))
      << cleave::describe(down.error());
  EXPECT_LT(elapsed, 50ms) << "a call to a dead node took " << in_ms(elapsed) << " ms";
  print_figure("call to a node known to be down (2 s deadline) -> unavailable", elapsed);

  // (d) Restarted on the same port, the node serves the same caller again: the caller looks the
  // component up anew (the old handle belongs to a dead CAF node).
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  // The forwarder retries in the background (backoff up to 500 ms): the node is used again
  // soon after it listens, without a restart of the caller.
  auto restarted = clock_type::now();
  std::optional<echoed> after;
  caf::error last_error;
  int attempts = 0;
  while (!after && clock_type::now() < restarted + 15s) {
    ++attempts;
    if (auto r = caller.call("echo", echo{"after"}, 1s))
      after = *r;
    else
      last_error = r.error();
  }
  auto recovered = clock_type::now();
  ASSERT_TRUE(after) << "no call succeeded within 15 s of the restart (" << attempts
                     << " attempts); last error: " << cleave::describe(last_error) << "\n"
                     << c.report();
  EXPECT_EQ(after->text, "after");
  EXPECT_EQ(after->by, "echo");
  EXPECT_LT(recovered - restarted, 2s)
      << "the caller took " << in_ms(recovered - restarted) << " ms to use the restarted node";
  print_figure("restarted node listening -> first successful call", recovered - restarted);
  std::cout << "[figure] calls until the first success after the restart: " << attempts
            << std::endl;
}

TEST(cluster, sigstop_fails_calls_in_flight_within_the_failure_detection_window) {
  std::map<std::string, std::string> elsewhere{{"echo", "far"}, {"silent", "far"}};
  temp_dir dir;
  auto file =
      dir.write("placement.json", test_app_placement(elsewhere, {{"timeout_ms", 2000},
                                                                 {"heartbeat_ms", 100},
                                                                 {"connection_timeout_ms", 1000}}));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};

  auto before = caller.call("echo", echo{"before"}, 5s);
  ASSERT_TRUE(before) << cleave::describe(before.error()) << "\n" << c.report();

  auto in_flight = call_silent_async(caller.system(), 10s);
  ASSERT_TRUE(cleave_test::wait_for_calls(caller.system(), c.port("far"), "silent", 1,
                                          clock_type::now() + 5s))
      << "the call to silent did not reach node far\n"
      << c.report();
  auto stopped = clock_type::now();
  c.at("far").signal(SIGSTOP);
  // A frozen peer is only noticed by its silence: connection_timeout_ms (1 s) after the last
  // heartbeat.
  auto ready = in_flight.wait_for(8s);
  c.at("far").signal(SIGKILL);  // SIGKILL ends a stopped process too
  ASSERT_EQ(ready, std::future_status::ready)
      << "the call in flight was still waiting 8 s after SIGSTOP";
  auto outcome = in_flight.get();
  ASSERT_FALSE(outcome.result) << "silent never answers, yet the call succeeded";
  // The frozen node got the call and may resume and apply it: outcome unknown, not unavailable.
  EXPECT_TRUE(cleave::is(outcome.result.error(), cleave::errc::outcome_unknown))
      << cleave::describe(outcome.result.error());
  EXPECT_TRUE(starts_with(cleave::what(outcome.result.error()),
                          "silent on node \"far\" (" + c.address("far") +
                              "): connection lost after the request was sent"))
      << cleave::describe(outcome.result.error());
  EXPECT_LT(outcome.done - stopped, 5s)
      << "in-flight call failed " << in_ms(outcome.done - stopped) << " ms after SIGSTOP";
  print_figure("SIGSTOP -> in-flight failure", outcome.done - stopped);
  EXPECT_EQ(exit_code(c.at("far")), 128 + SIGKILL) << c.report();
}

TEST(cluster, reply_handle_and_delegation_cross_nodes) {
  // forwarder on "a" hands the caller's reply handle to answerer on "b", and delegates to echo on
  // "b": in both cases "b" answers the caller.
  std::map<std::string, std::string> elsewhere{
      {"forwarder", "a"}, {"answerer", "b"}, {"echo", "b"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  c.start("a");
  c.start("b");
  ASSERT_TRUE(c.wait_listening("a", child_deadline)) << c.report();
  ASSERT_TRUE(c.wait_listening("b", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};

  auto passed = caller.call("forwarder", echo_elsewhere{"x"}, 5s);
  ASSERT_TRUE(passed) << cleave::describe(passed.error()) << "\n" << c.report();
  EXPECT_EQ(passed->text, "x");
  EXPECT_EQ(passed->by, "answerer");

  auto delegated = caller.call("forwarder", echo_delegated{"y"}, 5s);
  ASSERT_TRUE(delegated) << cleave::describe(delegated.error()) << "\n" << c.report();
  EXPECT_EQ(delegated->text, "y");
  EXPECT_EQ(delegated->by, "echo");
}

TEST(cluster, a_node_hands_out_only_the_components_placed_on_it) {
  std::map<std::string, std::string> elsewhere{{"echo", "far"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};
  auto& sys = caller.system();
  auto port = c.port("far");
  auto placed = cleave::ask_node(sys, "127.0.0.1", port, cleave::protocol::lookup_component{"echo"},
                                 child_deadline_ms);
  ASSERT_TRUE(placed) << cleave::describe(placed.error());
  EXPECT_TRUE(*placed);
  // "silent" exists in the app, but the placement puts it on "caller", not on "far".
  auto elsewhere_placed = cleave::ask_node(
      sys, "127.0.0.1", port, cleave::protocol::lookup_component{"silent"}, child_deadline_ms);
  ASSERT_FALSE(elsewhere_placed);
  EXPECT_EQ(cleave::describe(elsewhere_placed.error()),
            "unknown_component: node \"far\" does not host \"silent\"");
}

TEST(cluster, exit_messages_and_links_from_peers_do_nothing_to_components) {
  std::map<std::string, std::string> elsewhere{{"echo", "far"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  cluster c{test_app_bin, file, nodes_of(elsewhere)};
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};
  auto& sys = caller.system();
  auto handle = cleave::ask_node(sys, "127.0.0.1", c.port("far"),
                                 cleave::protocol::lookup_component{"echo"}, child_deadline_ms);
  ASSERT_TRUE(handle) << cleave::describe(handle.error());
  // What a peer holding a cluster certificate could do to a component before: kill it (no exit
  // handler traps `kill`), anonymously or as itself, or link to it and leave.
  caf::anon_send_exit(*handle, caf::exit_reason::kill);
  {
    caf::scoped_actor self{sys};
    self->send_exit(*handle, caf::exit_reason::user_shutdown);
    self->link_to(*handle);
  }
  ASSERT_TRUE(c.at("far").wait_for_error_output("message from a peer dropped", child_deadline))
      << c.report();
  auto r = caller.call("echo", echo{"still here"}, 2s);
  ASSERT_TRUE(r) << cleave::describe(r.error()) << c.report();
  EXPECT_EQ(r->text, "still here");
}

TEST(cluster, a_component_that_ends_leaves_its_node_not_ready) {
  std::map<std::string, std::string> elsewhere{{"failing", "far"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  auto admin = cleave_test::free_port();
  cluster c{test_app_bin,
            file,
            nodes_of(elsewhere),
            {"nodes.far.admin=127.0.0.1:" + std::to_string(admin)}};
  c.start("far");
  ASSERT_TRUE(c.wait_listening("far", child_deadline)) << c.report();
  ASSERT_TRUE(gateway_test::poll_until(5s, [&] {
    return gateway_test::get(admin, "/readyz").status == 200;
  })) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};
  EXPECT_FALSE(caller.call("failing", fail{"quit"}, 2s));
  ASSERT_TRUE(c.at("far").wait_for_error_output("component ended", child_deadline)) << c.report();
  auto ready = gateway_test::get(admin, "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  auto status = cleave_test::node_status(caller.system(), c.port("far"), child_deadline_ms);
  ASSERT_TRUE(status) << cleave::describe(status.error());
  auto failing = std::find_if(status->components.begin(), status->components.end(),
                              [](const auto& s) { return s.name == "failing"; });
  ASSERT_NE(failing, status->components.end());
  EXPECT_FALSE(failing->running);
}

TEST(cluster, message_type_unknown_on_the_receiving_node_is_a_clear_error_not_a_crash) {
  // Node "old" runs a build whose "echo" does not know the `echo` message type.
  std::map<std::string, std::string> elsewhere{{"echo", "old"}};
  temp_dir dir;
  auto file = dir.write("placement.json", test_app_placement(elsewhere));
  cluster c{skewed_app_bin, file, nodes_of(elsewhere)};
  c.start("old");
  ASSERT_TRUE(c.wait_listening("old", child_deadline)) << c.report();
  cleave::test_node caller{all_components(), c.plan(test_app_options()), "caller"};

  auto start = clock_type::now();
  auto r = caller.call("echo", echo{"x"}, 5s);
  ASSERT_FALSE(r) << "an unknown message type was answered";
  EXPECT_EQ(cleave::describe(r.error()),
            "internal: echo.echo: the component does not handle echo (or its node does not "
            "know that message type: do all nodes run the same build?)");
  EXPECT_LT(clock_type::now() - start, 2s) << "the error must come at once, not at the deadline";
  // The node runs on and answers what it knows.
  auto known = caller.call("echo", fail{"ok"}, 5s);
  ASSERT_TRUE(known) << cleave::describe(known.error()) << "\n" << c.report();
  EXPECT_EQ(known->text, "old");
  EXPECT_TRUE(c.at("old").running()) << c.report();
}

// -- the same calls, three placements -----------------------------------------------------------

std::string show(const caf::expected<echoed>& r) {
  if (!r) return "error " + cleave::describe(r.error());
  return "\"" + r->text + "\" by " + r->by;
}

/// What `f` returns when run for request `id` (with 10 s left).
template <class F>
std::string in_request(const std::string& id, F f) {
  cleave::request_scope scope{id, clock_type::now() + 10s};
  return f();
}

class same_answers : public ::testing::TestWithParam<deployment> {};

TEST_P(same_answers, wherever_the_components_run) {
  deployed d{GetParam(), test_app()};
  auto& n = d.caller();
  // Generous deadlines: the first call to each node of the multi-process deployment connects.
  constexpr auto deadline = 5s;
  std::vector<std::string> answers{
      "echo{a}: " + show(n.call("echo", echo{"a"}, deadline)),
      "later{b}: " + show(n.call("later", echo_later{"b"}, deadline)),
      "forwarder echo_elsewhere{c}: " + show(n.call("forwarder", echo_elsewhere{"c"}, deadline)),
      "forwarder echo_delegated{d}: " + show(n.call("forwarder", echo_delegated{"d"}, deadline)),
      "failing{error}: " + show(n.call("failing", fail{"error"}, deadline)),
      "failing{throw}: " + show(n.call("failing", fail{"throw"}, deadline)),
      "failing{app}: " + show(n.call("failing", fail{"app"}, deadline)) + " (status " +
          std::to_string(
              cleave::app_error_status(n.call("failing", fail{"app"}, deadline).error())) +
          ")",
      "relay{echo, e}: " + show(n.call("relay", relay{"echo", "e", 0}, deadline)),
      "relay{whoami} in request req-7: " +
          in_request("req-7",
                     [&] {
                       return show(n.call("relay", relay{"whoami", "x", 0}, deadline));
                     }),
      // A coroutine handler: calls after a co_await resume on its component, in the request.
      "sequencer{echo, whoami, echo} in request req-8: " +
          in_request("req-8",
                     [&] {
                       return show(n.call("sequencer",
                                          sequence{{"echo", "whoami", "echo"}, "s", false},
                                          deadline));
                     }),
      "sequencer{echo, nobody}: " +
          show(n.call("sequencer", sequence{{"echo", "nobody"}, "s", false}, deadline)),
      "sequencer{echo, echo} throwing: " +
          show(n.call("sequencer", sequence{{"echo", "echo"}, "s", true}, deadline)),
  };
  std::vector<std::string> expected{
      R"(echo{a}: "a" by echo)",
      R"(later{b}: "later" by later)",
      R"(forwarder echo_elsewhere{c}: "c" by answerer)",
      R"(forwarder echo_delegated{d}: "d" by echo)",
      R"(failing{error}: error not_found: nothing here)",
      R"(failing{throw}: error internal: handler threw: boom)",
      R"(failing{app}: error out_of_stock: only 2 of "p1" left (status 409))",
      R"(relay{echo, e}: "e" by relay<-echo)",
      R"(relay{whoami} in request req-7: "req-7" by relay<-whoami)",
      R"(sequencer{echo, whoami, echo} in request req-8: "s+req-8+s" by sequencer<-echo)",
      R"(sequencer{echo, nobody}: error unknown_component: nobody.echo: no component named "nobody" in this placement)",
      R"(sequencer{echo, echo} throwing: error internal: handler threw: after the first call)",
  };
  EXPECT_EQ(answers, expected) << d.report();
}

INSTANTIATE_TEST_SUITE_P(cluster, same_answers, ::testing::ValuesIn(all_deployments),
                         deployment_name{});

}  // namespace
