// The ticker: it beats on its own, and its interval changes while it runs.
#include "actors/heartbeat/heartbeat.hpp"

#include <gtest/gtest.h>

#include "runtime/testkit/test_node.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

cleave::test_node ticker_every(int64_t ms) {
  cleave::test_options opts;
  opts.configs["ticker"] = boost::json::object{{"interval_ms", ms}};
  return cleave::test_node{{heartbeat::ticker_component()}, opts};
}

/// Polls the beat count until it reaches `n` (true) or `timeout` passes (false).
bool beats_reach(cleave::test_node& node, int64_t n, clock_type::duration timeout) {
  auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    auto beats = node.call("ticker", heartbeat::get_beats{});
    if (beats && beats->payload >= n) return true;
  }
  return false;
}

TEST(ticker, answers_ping) {
  auto node = ticker_every(60000);
  auto r = node.call("ticker", heartbeat::ping{});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->payload, "PONG");
}

TEST(ticker, beats_on_its_own_at_the_configured_interval) {
  auto node = ticker_every(10);
  EXPECT_TRUE(beats_reach(node, 3, 5s));
}

TEST(ticker, starts_with_no_beats_when_the_interval_is_long) {
  auto node = ticker_every(60000);
  auto r = node.call("ticker", heartbeat::get_beats{});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->payload, 0);
}

TEST(ticker, interval_changes_while_it_runs) {
  auto node = ticker_every(60000);
  auto changed = node.call("ticker", heartbeat::set_interval{10});
  ASSERT_TRUE(changed) << cleave::describe(changed.error());
  EXPECT_EQ(changed->ms, 10);
  EXPECT_TRUE(beats_reach(node, 3, 5s)) << "the new interval did not take effect";
}

TEST(ticker, refuses_a_bad_interval_naming_the_field) {
  auto node = ticker_every(60000);
  auto r = node.call("ticker", heartbeat::set_interval{0});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()),
            "invalid_argument: field \"ms\": expected 1..86400000, found 0");
}

TEST(ticker, bad_config_fails_the_start) {
  cleave::test_options opts;
  opts.configs["ticker"] = boost::json::object{{"interval_ms", -1}};
  try {
    cleave::test_node node{{heartbeat::ticker_component()}, opts};
    FAIL() << "the ticker must not start";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string{e.what()},
              "test_node: internal: ticker failed to start: config.interval_ms: field \"ms\": "
              "expected 1..86400000, found -1");
  }
}

}  // namespace
