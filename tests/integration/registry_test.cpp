// Discovery through a real etcd (step 5 of the split): instances of node "r" register themselves,
// and a caller spreads its calls over every registered instance, without any edit of the
// placement. The caller runs in the test; the instances are cleave_test_app processes started on
// ports picked now, all reading the same placement file.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/component/detail/directory.hpp"
#include "runtime/core/error.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/registry/registry.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/integration/etcd_server.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;
using cleave_test::cluster;
using cleave_test::etcd_server;
using cleave_test::process;
using cleave_test::temp_dir;
using clock_type = std::chrono::steady_clock;

const std::string test_app_bin = std::string{CLEAVE_BIN_DIR} + "/cleave_test_app";
constexpr auto child_deadline = 10s;
constexpr std::chrono::milliseconds status_deadline{2000};
constexpr int lease_ttl_s = 2;

/// "echo" on node "r", whose instances come from the registry at `etcd_url`; every other
/// component on "caller".
std::string registry_placement(const std::string& etcd_url) {
  std::string components = R"("echo": {"node": "r"})";
  for (const auto& c : all_components())
    if (c.name() != "echo")
      components += ", \"" + c.name() + R"(": {"node": "caller")" +
                    (c.name() == "silent" ? R"(, "config": {"greeting": "hi"})" : "") + "}";
  return R"({"app": "cleave_test_app", "registry": {"etcd": ")" + etcd_url +
         R"(", "lease_ttl_s": )" + std::to_string(lease_ttl_s) +
         R"(}, "nodes": {"caller": {"host": "127.0.0.1", "port": 1},
                         "r": {"host": "127.0.0.1", "port": 1}},
            "components": {)" +
         components + "}}";
}

class registry : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.write("placement.json", registry_placement(etcd_.url()));
    nodes_ =
        std::make_unique<cluster>(test_app_bin, file_, std::vector<std::string>{"caller", "r"});
  }

  /// Starts one more instance of node "r", listening at a port of its own; waits until it is
  /// registered.
  process& start_instance(const std::string& id) {
    auto port = id == "first" ? nodes_->port("r") : cleave_test::free_port();
    std::vector<std::string> argv{test_app_bin, "--placement", file_, "--node", "r"};
    for (const auto& s : nodes_->overrides()) argv.insert(argv.end(), {"--set", s});
    argv.insert(argv.end(), {"--set", "nodes.r.port=" + std::to_string(port)});
    ports_[id] = port;
    instances_[id] = std::make_unique<process>(argv);
    auto& p = *instances_[id];
    EXPECT_TRUE(p.wait_for_error_output(R"("msg":"registry: registered")", child_deadline))
        << p.report() << etcd_.report();
    return p;
  }

  void start_caller() {
    caller_ = std::make_unique<cleave::test_node>(all_components(),
                                                  nodes_->plan(test_app_options()), "caller");
  }

  /// Calls "echo" served by instance `id` so far.
  int64_t served(const std::string& id) {
    return cleave_test::calls_served(caller_->system(), "127.0.0.1", ports_.at(id), "echo",
                                     status_deadline);
  }

  /// The replicas of "echo" the caller knows now.
  size_t replicas_known() {
    return cleave::detail::replica_targets_of(caller_->system(), "echo").size();
  }

  /// Polls until `done()` holds (true) or `timeout` passes (false), calling "echo" meanwhile
  /// and counting the calls that failed in `failures`.
  template <class Done>
  bool call_until(Done done, clock_type::duration timeout, int& failures, int& calls) {
    auto until = clock_type::now() + timeout;
    while (clock_type::now() < until) {
      if (done()) return true;
      for (int i = 0; i < 4; ++i) {
        ++calls;
        if (!caller_->call("echo", echo{"x"}, 1s)) ++failures;
      }
    }
    return done();
  }

  std::string report() {
    std::string out = nodes_->report();
    for (auto& [id, p] : instances_) {
      p->wait(1ms);
      out += "\n-- instance " + id + "\n" + p->report();
    }
    return out + "\n-- etcd\n" + etcd_.report();
  }

  etcd_server etcd_;
  temp_dir dir_;
  std::string file_;
  std::unique_ptr<cluster> nodes_;
  std::map<std::string, uint16_t> ports_;
  std::map<std::string, std::unique_ptr<process>> instances_;
  std::unique_ptr<cleave::test_node> caller_;
};

TEST_F(registry, an_instance_started_after_the_caller_gets_calls_without_a_placement_edit) {
  start_instance("first");
  start_caller();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller_->call("echo", echo{"warm"}, 2s)) << report();
  EXPECT_EQ(replicas_known(), 1u);
  auto started = clock_type::now();
  start_instance("second");
  int failures = 0;
  int calls = 0;
  ASSERT_TRUE(call_until([&] { return served("second") > 0; }, child_deadline, failures, calls))
      << report();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
  std::cout << "[ figures  ] a new instance served its first call " << ms.count()
            << " ms after it was started\n";
  EXPECT_EQ(failures, 0) << report();
  EXPECT_EQ(replicas_known(), 2u);
  auto metrics = cleave::metrics::default_registry().prometheus_text();
  EXPECT_NE(metrics.find("cleave_replicas{component=\"echo\"} 2\n"), std::string::npos) << metrics;
  // Round-robin over both from now on.
  auto first = served("first");
  auto second = served("second");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(caller_->call("echo", echo{"y"}, 2s)) << report();
  EXPECT_EQ(served("first") - first, 50) << report();
  EXPECT_EQ(served("second") - second, 50) << report();
  // The registry lists both, as `cleave status` reads it.
  cleave::registry::settings s;
  s.endpoint = {"127.0.0.1", etcd_.client_port()};
  s.instances_prefix = "/cleave/cleave_test_app/instances/";
  auto listed = cleave::registry::read_instances(s);
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  // Every node registers: the caller too.
  std::vector<std::string> names;
  for (const auto& x : *listed) names.push_back(x.name + (x.runs("echo") ? " echo" : ""));
  std::vector<std::string> expected{"caller@127.0.0.1:" + std::to_string(nodes_->port("caller")),
                                    "r@127.0.0.1:" + std::to_string(ports_["first"]) + " echo",
                                    "r@127.0.0.1:" + std::to_string(ports_["second"]) + " echo"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  // A registration deleted by hand is gone for callers, and back with the next renewal.
  cleave::registry::etcd_client etcd{s.endpoint, 1000ms};
  ASSERT_FALSE(etcd.erase(s.instances_prefix + "r@127.0.0.1:" + std::to_string(ports_["second"])));
  failures = 0;
  ASSERT_TRUE(call_until([&] { return replicas_known() == 1; }, 2s, failures, calls)) << report();
  auto deleted = clock_type::now();
  ASSERT_TRUE(call_until([&] { return replicas_known() == 2; }, std::chrono::seconds(lease_ttl_s),
                         failures, calls))
      << report();
  std::cout
      << "[ figures  ] a deleted registration was back after "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - deleted).count()
      << " ms\n";
  EXPECT_EQ(failures, 0) << report();
}

TEST_F(registry, a_killed_instance_leaves_when_its_lease_lapses_and_a_stopped_one_at_once) {
  start_instance("first");
  start_instance("second");
  start_instance("third");
  start_caller();
  int failures = 0;
  int calls = 0;
  ASSERT_TRUE(call_until([&] { return replicas_known() == 3; }, child_deadline, failures, calls))
      << report();
  instances_.at("second")->signal(SIGKILL);
  ASSERT_TRUE(instances_.at("second")->wait(child_deadline)) << report();
  auto killed = clock_type::now();
  failures = 0;
  calls = 0;
  ASSERT_TRUE(call_until([&] { return replicas_known() == 2; },
                         std::chrono::seconds(lease_ttl_s) + 5s, failures, calls))
      << report();
  auto gone = clock_type::now() - killed;
  std::cout << "[ figures  ] a killed instance left the membership "
            << std::chrono::duration_cast<std::chrono::milliseconds>(gone).count()
            << " ms after kill -9 (lease " << lease_ttl_s << " s); " << failures << " of " << calls
            << " calls failed meanwhile\n";
  EXPECT_GE(gone, std::chrono::seconds(lease_ttl_s) - 500ms);
  // The connection loss took it out of rotation before the lease lapsed: at most the calls in
  // flight at the kill failed.
  EXPECT_LE(failures, 2) << report();
  // A stopped instance revokes its lease: it leaves at once.
  instances_.at("third")->signal(SIGTERM);
  auto stopped = clock_type::now();
  ASSERT_EQ(instances_.at("third")->wait(child_deadline), 0) << report();
  ASSERT_TRUE(call_until([&] { return replicas_known() == 1; }, 2s, failures, calls)) << report();
  std::cout
      << "[ figures  ] a stopped instance left the membership "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopped).count()
      << " ms after SIGTERM\n";
}

TEST_F(registry, etcd_stopped_and_restarted_changes_nothing_for_callers) {
  start_instance("first");
  start_instance("second");
  start_caller();
  int failures = 0;
  int calls = 0;
  ASSERT_TRUE(call_until([&] { return replicas_known() == 2; }, child_deadline, failures, calls))
      << report();
  etcd_.kill();
  // Longer than a lease: nothing lapses while etcd is away, and callers keep both instances.
  auto first = served("first");
  auto second = served("second");
  failures = 0;
  calls = 0;
  auto until = clock_type::now() + std::chrono::seconds(lease_ttl_s) + 1s;
  while (clock_type::now() < until) {
    ++calls;
    if (!caller_->call("echo", echo{"z"}, 1s)) ++failures;
  }
  EXPECT_EQ(failures, 0) << report();
  EXPECT_EQ(replicas_known(), 2u);
  EXPECT_GT(served("first") - first, calls / 3) << report();
  EXPECT_GT(served("second") - second, calls / 3) << report();
  etcd_.restart();
  // The callers follow the registry again: an instance started now gets calls.
  start_instance("third");
  ASSERT_TRUE(call_until([&] { return served("third") > 0; }, child_deadline, failures, calls))
      << report();
  EXPECT_EQ(failures, 0) << report();
  EXPECT_EQ(replicas_known(), 3u);
}

}  // namespace
