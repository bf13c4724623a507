// Step 5 of the split, balancing: cleave_test_app's "echo" on several replica nodes (real
// processes), called from a node run in the test. Which replica served how many calls is read
// from each node's status (the calls its handlers served).
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/client.hpp"
#include "runtime/core/error.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/testkit/deployment.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;
using cleave_test::cluster;
using cleave_test::temp_dir;
using clock_type = std::chrono::steady_clock;

const std::string test_app_bin = std::string{CLEAVE_BIN_DIR} + "/cleave_test_app";
constexpr auto child_deadline = 10s;
constexpr std::chrono::milliseconds status_deadline{2000};

/// "echo" replicated over `replicas` with `balance`; every other component on "caller".
std::string replicated_echo(const std::vector<std::string>& replicas, const std::string& balance,
                            int timeout_ms = 2000, const std::string& route_by = "",
                            const std::string& breaker = "") {
  std::string nodes = R"("caller": {"host": "127.0.0.1", "port": 1})";
  std::string list;
  for (const auto& r : replicas) {
    nodes += R"(, ")" + r + R"(": {"host": "127.0.0.1", "port": 1})";
    list += (list.empty() ? "\"" : ", \"") + r + "\"";
  }
  std::string components = R"("echo": {"nodes": [)" + list + R"(], "balance": ")" + balance + "\"" +
                           (route_by.empty() ? "" : R"(, "route_by": ")" + route_by + "\"") +
                           (breaker.empty() ? "" : R"(, "breaker": )" + breaker) + "}";
  for (const auto& c : all_components())
    if (c.name() != "echo")
      components += ", \"" + c.name() + R"(": {"node": "caller")" +
                    (c.name() == "silent" ? R"(, "config": {"greeting": "hi"})" : "") + "}";
  return R"({"app": "cleave_test_app", "defaults": {"timeout_ms": )" + std::to_string(timeout_ms) +
         R"(}, "nodes": {)" + nodes + R"(}, "components": {)" + components + "}}";
}

std::vector<std::string> with_caller(std::vector<std::string> replicas) {
  replicas.insert(replicas.begin(), "caller");
  return replicas;
}

/// Calls "echo" served by `node` so far (-1 if its status cannot be read).
int64_t echo_calls(cleave::test_node& caller, cluster& c, const std::string& node) {
  return cleave_test::calls_served(caller.system(), "127.0.0.1", c.port(node), "echo",
                                   status_deadline);
}

class replicas : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& names, const std::string& balance,
             int timeout_ms = 2000, const std::string& route_by = "",
             const std::string& breaker = "") {
    names_ = names;
    file_ = dir_.write("placement.json",
                       replicated_echo(names, balance, timeout_ms, route_by, breaker));
    nodes_ = std::make_unique<cluster>(test_app_bin, file_, with_caller(names));
    for (const auto& n : names) nodes_->start(n);
    for (const auto& n : names) ASSERT_TRUE(nodes_->wait_listening(n, child_deadline)) << report();
    caller_ = std::make_unique<cleave::test_node>(all_components(),
                                                  nodes_->plan(test_app_options()), "caller");
    // The caller connects to the replicas in the background: until it has, calls go to those it
    // reached. Tests start once every replica has served a call.
    auto until = clock_type::now() + child_deadline;
    auto all_served = [&] {
      for (const auto& [node, served] : calls_per_replica())
        if (served <= 0) return false;
      return true;
    };
    while (!all_served() && clock_type::now() < until)
      for (int i = 0; i < 2 * static_cast<int>(names.size()); ++i)
        (void)caller_->call("echo", echo{std::to_string(i)}, 2s);
    ASSERT_TRUE(all_served()) << report();
  }

  std::string report() { return nodes_ ? nodes_->report() : std::string{}; }

  std::map<std::string, int64_t> calls_per_replica() {
    std::map<std::string, int64_t> out;
    for (const auto& n : names_) out[n] = echo_calls(*caller_, *nodes_, n);
    return out;
  }

  temp_dir dir_;
  std::string file_;
  std::vector<std::string> names_;
  std::unique_ptr<cluster> nodes_;
  std::unique_ptr<cleave::test_node> caller_;
};

/// The value of series `series` (`name{labels}`) in this process's /metrics ("0" if absent).
std::string metric(const std::string& series) {
  auto text = cleave::metrics::default_registry().prometheus_text();
  auto at = text.find(series + " ");
  if (at == std::string::npos) return "0";
  auto start = at + series.size() + 1;
  return text.substr(start, text.find('\n', at) - start);
}

/// The value of `cleave_breaker_transitions_total` for `node` and `to` in this process.
std::string breaker_transitions(const std::string& node, const std::string& to) {
  return metric(R"(cleave_breaker_transitions_total{component="echo",node=")" + node + R"(",to=")" +
                to + "\"}");
}

TEST_F(replicas, round_robin_spreads_calls_evenly_over_three_replicas) {
  start({"r1", "r2", "r3"}, "round-robin");
  constexpr int calls = 300;
  auto before = calls_per_replica();
  auto sent = [](const std::string& node) {
    return std::stoll(
        metric(R"(cleave_replica_calls_total{component="echo",node=")" + node + "\"}"));
  };
  std::map<std::string, int64_t> sent_before;
  for (const auto& [node, served] : before) sent_before[node] = sent(node);
  for (int i = 0; i < calls; ++i) {
    auto r = caller_->call("echo", echo{"x"}, 2s);
    ASSERT_TRUE(r) << cleave::describe(r.error()) << report();
  }
  for (const auto& [node, served] : calls_per_replica()) {
    EXPECT_GE(served - before[node], calls / 3 * 9 / 10) << node << "\n" << report();
    EXPECT_LE(served - before[node], calls / 3 * 11 / 10) << node << "\n" << report();
    // The caller's /metrics counts what it sent to each replica.
    EXPECT_EQ(sent(node) - sent_before[node], served - before[node]) << node;
  }
}

TEST_F(replicas, least_outstanding_sends_new_calls_past_a_stuck_replica) {
  start({"r1", "r2"}, "least-outstanding", 400);
  // Connected to both first, so that neither is preferred for being reached.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller_->call("echo", echo{"warm"}, 2s)) << report();
  auto before = calls_per_replica();
  nodes_->at("r2").signal(SIGSTOP);
  // Four callers for 1.2 s: each call on r2 waits out its 400 ms deadline, and meanwhile r2 has a
  // call outstanding while r1 answers at once, so the new calls go to r1.
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  auto until = clock_type::now() + 1200ms;
  std::vector<std::future<void>> callers;
  for (int t = 0; t < 4; ++t)
    callers.push_back(std::async(std::launch::async, [&] {
      cleave::client client{caller_->system()};
      while (clock_type::now() < until) {
        if (client.call("echo", echo{"y"}, 400ms))
          ++ok;
        else
          ++failed;
      }
    }));
  for (auto& f : callers) f.get();
  nodes_->at("r2").signal(SIGCONT);
  auto after = calls_per_replica();
  std::cout << "[ figures  ] one of two replicas stopped for 1.2 s: " << ok.load() << " calls ok, "
            << failed.load() << " failed\n";
  // Round-robin would have sent half of them to r2, each costing its caller 400 ms: at most a few
  // dozen calls in all. Here r1 served hundreds, and only the calls already waiting on r2 failed.
  EXPECT_GE(ok.load(), 200) << "failed " << failed.load() << "\n" << report();
  EXPECT_LE(failed.load(), 16) << "ok " << ok.load() << "\n" << report();
  EXPECT_GE(after["r1"] - before["r1"], ok.load()) << report();
}

TEST_F(replicas, a_killed_replica_leaves_the_rotation_and_returns_after_a_restart) {
  start({"r1", "r2"}, "round-robin");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller_->call("echo", echo{"warm"}, 2s)) << report();
  nodes_->at("r2").signal(SIGKILL);
  ASSERT_TRUE(nodes_->at("r2").wait(child_deadline)) << report();
  auto killed = clock_type::now();
  // A call on its way when the connection went may fail (outcome unknown, or unavailable); from
  // the moment the caller knows, every call goes to r1.
  int failures = 0;
  clock_type::time_point last_failure = killed;
  for (int i = 0; i < 200; ++i) {
    auto r = caller_->call("echo", echo{"z"}, 2s);
    if (!r) {
      ++failures;
      last_failure = clock_type::now();
      EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unavailable) ||
                  cleave::is(r.error(), cleave::errc::outcome_unknown))
          << cleave::describe(r.error());
    }
  }
  EXPECT_LE(failures, 2) << report();
  auto out_of_rotation_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(last_failure - killed).count();
  std::cout << "[ figures  ] kill -9: " << failures << " failed calls, the last "
            << out_of_rotation_ms << " ms after the kill\n";
  EXPECT_LT(out_of_rotation_ms, 100);
  // Restarted at the same address, it is used again without a restart of the caller.
  nodes_->start("r2");
  ASSERT_TRUE(nodes_->wait_listening("r2", child_deadline)) << report();
  auto restarted = clock_type::now();
  bool back = false;
  while (!back && clock_type::now() < restarted + 5s) {
    ASSERT_TRUE(caller_->call("echo", echo{"again"}, 2s)) << report();
    back = echo_calls(*caller_, *nodes_, "r2") > 0;
  }
  EXPECT_TRUE(back) << report();
  std::cout << "[ figures  ] back in rotation "
            << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - restarted)
                   .count()
            << " ms after the restarted node listened\n";
}

/// The replica whose count of served calls grew from `before` to `after` by `n`, "" if none did
/// (or more than one grew).
std::string the_one_that_served(const std::map<std::string, int64_t>& before,
                                const std::map<std::string, int64_t>& after, int64_t n) {
  std::string out;
  for (const auto& [node, count] : after) {
    auto grew = count - before.at(node);
    if (grew == n && out.empty())
      out = node;
    else if (grew != 0)
      return "";
  }
  return out;
}

TEST_F(replicas, keyed_calls_stick_to_one_replica_move_when_it_dies_and_come_back) {
  start({"r1", "r2", "r3"}, "round-robin", 2000, "text");
  auto send = [&](const std::string& key, int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(caller_->call("echo", echo{key}, 2s)) << key << "\n" << report();
  };
  // Each key goes to one replica, and not all keys to the same one.
  std::map<std::string, std::string> owner;
  for (const char* key : {"alice", "bob", "carol", "dave", "erin", "frank"}) {
    auto before = calls_per_replica();
    send(key, 20);
    owner[key] = the_one_that_served(before, calls_per_replica(), 20);
    EXPECT_FALSE(owner[key].empty()) << key << " was spread over replicas";
  }
  std::set<std::string> used;
  for (const auto& kv : owner) used.insert(kv.second);
  EXPECT_GE(used.size(), 2u);

  // The owner of "alice" dies: her calls go elsewhere; the keys of the other replicas stay.
  auto gone = owner["alice"];
  nodes_->at(gone).signal(SIGKILL);
  ASSERT_TRUE(nodes_->at(gone).wait(child_deadline)) << report();
  names_.erase(std::find(names_.begin(), names_.end(), gone));
  // A call sent before the caller noticed may fail once; after that all succeed.
  (void)caller_->call("echo", echo{"alice"}, 2s);
  for (const auto& [key, node] : owner) {
    auto before = calls_per_replica();
    send(key, 10);
    auto served = the_one_that_served(before, calls_per_replica(), 10);
    if (node == gone)
      EXPECT_FALSE(served.empty()) << key;
    else
      EXPECT_EQ(served, node) << key << " moved though its replica stayed";
  }

  // Back: its keys return to it.
  nodes_->start(gone);
  ASSERT_TRUE(nodes_->wait_listening(gone, child_deadline)) << report();
  names_.push_back(gone);
  auto until = clock_type::now() + 5s;
  while (echo_calls(*caller_, *nodes_, gone) <= 0 && clock_type::now() < until) send("alice", 1);
  auto before = calls_per_replica();
  send("alice", 10);
  EXPECT_EQ(the_one_that_served(before, calls_per_replica(), 10), gone) << report();
}

TEST_F(replicas, a_breaker_takes_a_stopped_replica_out_of_rotation_and_a_probe_brings_it_back) {
  // Calls of 200 ms; a replica's breaker opens after 2 consecutive failures for 800 ms.
  start({"r1", "r2"}, "round-robin", 200, "", R"({"failures": 2, "cool_down_ms": 800})");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller_->call("echo", echo{"warm"}, 2s)) << report();
  nodes_->at("r2").signal(SIGSTOP);
  int failed = 0;
  auto stopped = clock_type::now();
  for (int i = 0; i < 40; ++i)
    if (!caller_->call("echo", echo{"x"}, 200ms)) ++failed;
  auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopped).count();
  std::cout << "[ figures  ] 40 calls with one of two replicas stopped: " << failed
            << " failed (each after its 200 ms deadline), " << elapsed_ms << " ms in all\n";
  // Round-robin without a breaker would send every other call into the 200 ms wait (20 failures,
  // ~4 s); the breaker opens after 2.
  EXPECT_LE(failed, 3) << report();
  EXPECT_EQ(breaker_transitions("r2", "open"), "1");
  EXPECT_EQ(metric(R"(cleave_breaker_state{component="echo",node="r2"})"), "2");
  EXPECT_EQ(metric(R"(cleave_breaker_state{component="echo",node="r1"})"), "0");
  EXPECT_EQ(metric(R"(cleave_replicas{component="echo"})"), "2");
  // `cleave status` shows the caller's view of the replicas: the calls it sent, r2's breaker.
  std::vector<std::string> argv{std::string{CLEAVE_BIN_DIR} + "/cleave", "status", file_};
  for (const auto& o : nodes_->overrides()) argv.insert(argv.end(), {"--set", o});
  cleave_test::process status{argv};
  ASSERT_TRUE(status.wait(child_deadline)) << status.report();
  EXPECT_NE(status.output().find("  calls to echo: r1 "), std::string::npos) << status.report();
  EXPECT_NE(status.output().find(" sent (connected, breaker open)"), std::string::npos)
      << status.report();
  nodes_->at("r2").signal(SIGCONT);
  // After the cool-down one call is let through as a probe; it succeeds and closes the breaker.
  // (The calls that timed out reach r2 when it resumes: its count alone proves nothing.)
  auto until = clock_type::now() + 5s;
  while (breaker_transitions("r2", "closed") != "1" && clock_type::now() < until)
    (void)caller_->call("echo", echo{"y"}, 2s);
  EXPECT_EQ(breaker_transitions("r2", "closed"), "1");
  EXPECT_EQ(metric(R"(cleave_breaker_state{component="echo",node="r2"})"), "0");
  // Back in rotation: it takes its share of calls again.
  auto before = echo_calls(*caller_, *nodes_, "r2");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller_->call("echo", echo{"z"}, 2s)) << report();
  EXPECT_GE(echo_calls(*caller_, *nodes_, "r2") - before, 4) << report();
  std::cout
      << "[ figures  ] r2 back in rotation "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopped).count()
      << " ms after it was stopped\n";
}

TEST_F(replicas, a_listing_asked_of_every_replica_fails_fast_while_one_breaker_is_open) {
  // Keyed by text; a replica's breaker opens after one failure, for 10 s.
  start({"r1", "r2"}, "round-robin", 300, "text", R"({"failures": 1, "cool_down_ms": 10000})");
  auto tally = caller_->call("echo", echo_tally{}, 2s);
  ASSERT_TRUE(tally) << cleave::describe(tally.error()) << report();
  EXPECT_EQ(tally->replicas, 2);
  nodes_->at("r2").signal(SIGSTOP);
  // A keyed call to r2 runs into its deadline: r2's breaker opens. (The series are this test
  // process's: the breaker made last for r2 is this caller's.)
  const std::string r2_state = R"(cleave_breaker_state{component="echo",node="r2"})";
  ASSERT_EQ(metric(r2_state), "0");
  for (int i = 0; i < 20 && metric(r2_state) != "2"; ++i)
    (void)caller_->call("echo", echo{"k" + std::to_string(i)}, 300ms);
  ASSERT_EQ(metric(r2_state), "2") << report();
  // The tally cannot be whole without r2: it fails at once, instead of after its deadline.
  auto start = clock_type::now();
  auto refused = caller_->call("echo", echo_tally{}, 2s);
  auto took = clock_type::now() - start;
  nodes_->at("r2").signal(SIGCONT);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(cleave::is(refused.error(), cleave::errc::unavailable))
      << cleave::describe(refused.error());
  EXPECT_NE(cleave::describe(refused.error()).find("circuit open"), std::string::npos)
      << cleave::describe(refused.error());
  EXPECT_LT(took, 100ms);
}

/// What callers saw while one of two replicas was killed under load.
struct failover_counts {
  int ok = 0;
  int outcome_unknown = 0;
  int other = 0;
  std::string first_other;
};

/// Counts one call's outcome.
void count(failover_counts& counts, const caf::error* failure) {
  if (failure == nullptr)
    ++counts.ok;
  else if (cleave::is(*failure, cleave::errc::outcome_unknown))
    ++counts.outcome_unknown;
  else if (++counts.other == 1)
    counts.first_other = cleave::describe(*failure);
}

/// Four callers call `Req` for 800 ms, r2 is killed (kill -9) after 200 ms: blocking clients, or
/// event-based actors whose calls take their `then` path.
template <class Req>
failover_counts calls_across_a_kill(cleave::test_node& caller, cluster& nodes, bool event_based) {
  std::mutex mutex;
  failover_counts counts;
  auto start = clock_type::now();
  auto end = start + 800ms;
  std::vector<std::future<void>> callers;
  for (int t = 0; t < 4; ++t) {
    if (event_based) {
      auto done = std::make_shared<std::promise<void>>();
      callers.push_back(done->get_future());
      caller.system().spawn([&, end, done](caf::event_based_actor* self) {
        auto next = std::make_shared<std::function<void()>>();
        *next = [self, next, end, done, &mutex, &counts] {
          if (clock_type::now() >= end) {
            done->set_value();
            self->quit();
            *next = nullptr;
            return;
          }
          cleave::call(self, "echo", Req{"k"}, 2s)
              .then(
                  [next, &mutex, &counts](const echoed&) {
                    {
                      std::lock_guard<std::mutex> guard{mutex};
                      count(counts, nullptr);
                    }
                    if (*next) (*next)();
                  },
                  [next, &mutex, &counts](const caf::error& err) {
                    {
                      std::lock_guard<std::mutex> guard{mutex};
                      count(counts, &err);
                    }
                    if (*next) (*next)();
                  });
        };
        (*next)();
      });
      continue;
    }
    callers.push_back(std::async(std::launch::async, [&] {
      cleave::client client{caller.system()};
      while (clock_type::now() < end) {
        auto r = client.call("echo", Req{"k"}, 2s);
        std::lock_guard<std::mutex> guard{mutex};
        count(counts, r ? nullptr : &r.error());
      }
    }));
  }
  while (clock_type::now() < start + 200ms) std::this_thread::yield();
  nodes.at("r2").signal(SIGKILL);
  // Every caller ends with the first call it starts after `end`: within that call's deadline.
  for (auto& f : callers) EXPECT_EQ(f.wait_until(end + 3s), std::future_status::ready);
  std::lock_guard<std::mutex> guard{mutex};
  return counts;
}

/// Kills r2 under load twice (restarting it in between): idempotent calls, then others.
void kill_under_load_twice(cleave::test_node& caller, cluster& nodes, bool event_based) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(caller.call("echo", echo{"warm"}, 2s)) << nodes.report();
  auto idempotent = calls_across_a_kill<echo_idempotent>(caller, nodes, event_based);
  std::cout << "[ figures  ] idempotent calls across a kill -9: " << idempotent.ok << " ok, "
            << idempotent.outcome_unknown << " outcome unknown, " << idempotent.other << " other\n";
  EXPECT_GT(idempotent.ok, 100) << nodes.report();
  EXPECT_EQ(idempotent.outcome_unknown + idempotent.other, 0) << idempotent.first_other;

  nodes.start("r2");
  ASSERT_TRUE(nodes.wait_listening("r2", child_deadline)) << nodes.report();
  // Back in rotation before the second round.
  auto until = clock_type::now() + 5s;
  while (echo_calls(caller, nodes, "r2") <= 0 && clock_type::now() < until)
    ASSERT_TRUE(caller.call("echo", echo{"again"}, 2s)) << nodes.report();
  auto plain = calls_across_a_kill<echo>(caller, nodes, event_based);
  std::cout << "[ figures  ] other calls across a kill -9: " << plain.ok << " ok, "
            << plain.outcome_unknown << " outcome unknown, " << plain.other << " other\n";
  EXPECT_GT(plain.ok, 100) << nodes.report();
  // Calls that had reached r2 cannot be known applied or not; none fails any other way (those
  // that certainly had not been sent went to r1).
  EXPECT_LE(plain.outcome_unknown, 4) << nodes.report();
  EXPECT_EQ(plain.other, 0) << plain.first_other;
}

TEST_F(replicas, a_replica_killed_under_load_fails_idempotent_calls_never_and_others_as_unknown) {
  start({"r1", "r2"}, "round-robin");
  kill_under_load_twice(*caller_, *nodes_, false);
}

TEST_F(replicas, the_same_for_calls_from_event_based_actors) {
  start({"r1", "r2"}, "round-robin");
  kill_under_load_twice(*caller_, *nodes_, true);
}

}  // namespace
