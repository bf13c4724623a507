// The call graph's edge table: buckets, counts, the quantile estimate, and which component a call
// is counted from (a handler, a callback of a call it made, a coroutine after co_await, nothing).
#include "runtime/component/detail/call_edges.hpp"

#include <gtest/gtest.h>

#include <string>

#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace std::chrono_literals;
using namespace component_test;
namespace detail = cleave::detail;

/// The calls counted so far from `caller` to `callee` in this process.
uint64_t calls_on(const std::string& caller, const std::string& callee) {
  for (const auto& e : detail::call_edges_snapshot())
    if (e.caller == caller && e.callee == callee) return e.calls;
  return 0;
}

TEST(call_edge_buckets, bounds_are_inclusive_and_the_last_bucket_takes_the_rest) {
  EXPECT_EQ(detail::call_edge_bucket(0), 0U);
  EXPECT_EQ(detail::call_edge_bucket(10), 0U);
  EXPECT_EQ(detail::call_edge_bucket(11), 1U);
  EXPECT_EQ(detail::call_edge_bucket(150), 4U);
  EXPECT_EQ(detail::call_edge_bucket(10000000), detail::call_edge_bounds_us.size() - 1);
  EXPECT_EQ(detail::call_edge_bucket(10000001), detail::call_edge_bounds_us.size());
  EXPECT_EQ(detail::call_edge_buckets, detail::call_edge_bounds_us.size() + 1);
}

TEST(call_edge, counts_calls_errors_latency_and_buckets) {
  detail::call_edge e;
  e.record(false, 150us);
  e.record(true, 3ms);
  e.record(false, 150us);
  EXPECT_EQ(e.calls.load(), 3U);
  EXPECT_EQ(e.errors.load(), 1U);
  EXPECT_EQ(e.latency_sum_us.load(), 3300U);
  EXPECT_EQ(e.buckets[detail::call_edge_bucket(150)].load(), 2U);
  EXPECT_EQ(e.buckets[detail::call_edge_bucket(3000)].load(), 1U);
}

TEST(call_edge_quantile, is_minus_one_without_calls) {
  EXPECT_EQ(detail::call_edge_quantile_us(std::vector<uint64_t>(detail::call_edge_buckets, 0), .5),
            -1);
  EXPECT_EQ(detail::call_edge_quantile_us({}, .5), -1);
}

TEST(call_edge_quantile, interpolates_within_the_bucket_that_holds_it) {
  std::vector<uint64_t> b(detail::call_edge_buckets, 0);
  b[detail::call_edge_bucket(150)] = 100;  // all in (100, 200] µs
  EXPECT_DOUBLE_EQ(detail::call_edge_quantile_us(b, .5), 150);
  EXPECT_DOUBLE_EQ(detail::call_edge_quantile_us(b, .99), 199);
  EXPECT_DOUBLE_EQ(detail::call_edge_quantile_us(b, 1), 200);
}

TEST(call_edge_quantile, finds_a_slow_tail) {
  std::vector<uint64_t> b(detail::call_edge_buckets, 0);
  b[detail::call_edge_bucket(15)] = 90;    // (10, 20] µs
  b[detail::call_edge_bucket(8000)] = 10;  // (5, 10] ms
  auto p50 = detail::call_edge_quantile_us(b, .5);
  auto p99 = detail::call_edge_quantile_us(b, .99);
  EXPECT_GT(p50, 10);
  EXPECT_LE(p50, 20);
  EXPECT_GT(p99, 5000);
  EXPECT_LE(p99, 10000);
}

TEST(call_edge_quantile, answers_the_overflow_buckets_lower_bound) {
  std::vector<uint64_t> b(detail::call_edge_buckets, 0);
  b.back() = 3;
  EXPECT_DOUBLE_EQ(detail::call_edge_quantile_us(b, .5),
                   static_cast<double>(detail::call_edge_bounds_us.back()));
}

TEST(caller_scope, sets_and_restores_the_calling_component) {
  EXPECT_EQ(detail::current_caller(), nullptr);
  const auto* a = detail::intern_component_name("a");
  EXPECT_EQ(a, detail::intern_component_name(std::string{"a"})) << "one copy per name";
  {
    detail::caller_scope outer{a};
    EXPECT_EQ(detail::current_caller(), a);
    {
      detail::caller_scope inner{detail::intern_component_name("b")};
      EXPECT_EQ(*detail::current_caller(), "b");
    }
    EXPECT_EQ(detail::current_caller(), a);
  }
  EXPECT_EQ(detail::current_caller(), nullptr);
}

class call_edges_of_calls : public ::testing::Test {
 protected:
  cleave::test_node node{all_components(), [] {
                           cleave::test_options opts;
                           opts.timeout = 2000ms;
                           opts.configs["silent"] = boost::json::object{{"greeting", "hi"}};
                           return opts;
                         }()};
};

TEST_F(call_edges_of_calls, a_call_from_a_then_callback_counts_from_its_component) {
  auto from_test = calls_on("", "relay");
  auto from_relay = calls_on("relay", "echo");
  auto r = node.call("relay", relay{"echo", "x", 0});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(calls_on("", "relay"), from_test + 1) << "the test calls as no component";
  EXPECT_EQ(calls_on("relay", "echo"), from_relay + 1);
}

TEST_F(call_edges_of_calls, a_coroutine_calls_as_its_component_after_a_co_await) {
  auto first = calls_on("sequencer", "echo");
  auto second = calls_on("sequencer", "whoami");
  auto r = node.call("sequencer", sequence{{"echo", "whoami"}, "x", false});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(calls_on("sequencer", "echo"), first + 1);
  EXPECT_EQ(calls_on("sequencer", "whoami"), second + 1) << "made after the first co_await";
}

TEST_F(call_edges_of_calls, a_failed_call_counts_as_an_error) {
  auto errors_before = [] {
    for (const auto& e : detail::call_edges_snapshot())
      if (e.caller == "relay" && e.callee == "failing") return e.errors;
    return uint64_t{0};
  }();
  auto r = node.call("relay", relay{"failing", "x", 0});
  EXPECT_FALSE(r);
  uint64_t errors_after = 0;
  for (const auto& e : detail::call_edges_snapshot())
    if (e.caller == "relay" && e.callee == "failing") errors_after = e.errors;
  EXPECT_EQ(errors_after, errors_before + 1);
}

}  // namespace
