// Calls by name: every way of answering, every way of failing, each through a real actor system.
#include "runtime/component/call.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include <caf/config_value.hpp>

#include "runtime/core/request_context.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;

cleave::test_options options_with_timeout(std::chrono::milliseconds timeout) {
  cleave::test_options opts;
  opts.timeout = timeout;
  opts.configs["silent"] = boost::json::object{{"greeting", "hi"}};
  return opts;
}

class call_test : public ::testing::Test {
 protected:
  cleave::test_node node{all_components(), options_with_timeout(2000ms)};
};

TEST_F(call_test, looks_up_a_component_by_name_and_gets_a_typed_reply) {
  auto r = node.call("echo", echo{"hello"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "hello");
  EXPECT_EQ(r->by, "echo");
}

TEST_F(call_test, unknown_name_fails_at_once_naming_the_component) {
  auto start = std::chrono::steady_clock::now();
  auto r = node.call("no-such-thing", echo{"x"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unknown_component))
      << cleave::describe(r.error());
  EXPECT_EQ(cleave::what(r.error()),
            "no-such-thing.echo: no component named \"no-such-thing\" in this placement");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "must not wait for the deadline";
}

TEST_F(call_test, handler_may_keep_the_reply_handle_and_answer_later) {
  auto r = node.call("later", echo_later{"x"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "later");
}

TEST_F(call_test, reply_handle_passed_to_another_component_answers_the_caller) {
  auto r = node.call("forwarder", echo_elsewhere{"passed on"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "passed on");
  EXPECT_EQ(r->by, "answerer");
}

TEST_F(call_test, delegated_request_is_answered_by_the_delegate) {
  auto r = node.call("forwarder", echo_delegated{"via delegate"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "via delegate");
  EXPECT_EQ(r->by, "echo");
}

TEST_F(call_test, component_calls_another_component_by_name) {
  auto r = node.call("relay", relay{"echo", "hop", 0});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->by, "relay<-echo");
}

TEST_F(call_test, errors_of_inner_calls_travel_back_to_the_outer_caller) {
  auto r = node.call("relay", relay{"missing", "hop", 0});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unknown_component))
      << cleave::describe(r.error());
}

TEST_F(call_test, handler_error_reaches_the_caller) {
  auto r = node.call("failing", fail{"error"});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()), "not_found: nothing here");
}

TEST_F(call_test, handler_exception_becomes_an_internal_error_and_the_component_lives_on) {
  auto r = node.call("failing", fail{"throw"});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()), "internal: handler threw: boom");
  auto again = node.call("failing", fail{"ok"});
  ASSERT_TRUE(again) << cleave::describe(again.error());
  EXPECT_EQ(again->text, "ok");
}

TEST_F(call_test, call_past_its_deadline_fails_naming_component_and_operation) {
  auto start = std::chrono::steady_clock::now();
  auto r = node.call("silent", never_answer{}, 50ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
      << cleave::describe(r.error());
  EXPECT_EQ(cleave::what(r.error()), "silent.never_answer: no reply within the deadline of 50 ms");
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 1500ms) << "the per-call deadline, not the 2 s default, must apply";
}

TEST_F(call_test, operation_the_component_does_not_handle_is_an_error_not_a_hang) {
  auto r = node.call("relay", relay{"failing", "x", 0});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()),
            "internal: failing.echo: the component does not handle echo (or its node does not "
            "know that message type: do all nodes run the same build?)");
}

TEST_F(call_test, inner_call_deadline_is_reported_to_the_outer_caller) {
  auto r = node.call("relay", relay{"silent", "x", 30}, 1000ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()),
            "deadline_exceeded: silent.echo: no reply within the deadline of 30 ms");
}

TEST_F(call_test, request_context_travels_with_every_call_it_causes) {
  cleave::request_scope scope{"req-42", std::chrono::steady_clock::now() + 5s};
  auto direct = node.call("whoami", echo{"x"});
  ASSERT_TRUE(direct) << cleave::describe(direct.error());
  EXPECT_EQ(direct->text, "req-42");
  // Through a component that makes its own call from a callback.
  auto relayed = node.call("relay", relay{"whoami", "x", 0});
  ASSERT_TRUE(relayed) << cleave::describe(relayed.error());
  EXPECT_EQ(relayed->text, "req-42");
  EXPECT_EQ(relayed->by, "relay<-whoami");
}

TEST_F(call_test, calls_without_a_request_carry_no_context) {
  auto r = node.call("whoami", echo{"x"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "");
}

TEST_F(call_test, downstream_calls_never_outlive_their_request) {
  // The relay's own call to "silent" would wait 2 s (the default); the request has 100 ms.
  cleave::request_scope scope{"short", std::chrono::steady_clock::now() + 100ms};
  auto start = std::chrono::steady_clock::now();
  auto r = node.call("relay", relay{"silent", "x", 0});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
      << cleave::describe(r.error());
  EXPECT_LT(elapsed, 1s) << "the inner call outlived the request";
}

TEST_F(call_test, every_call_is_counted_by_component_operation_placement_and_outcome) {
  auto& reg = cleave::metrics::default_registry();
  auto series = [&](const char* outcome) {
    return reg
        .counter("cleave_calls_total", "Calls made to components, by outcome.",
                 {{"component", "failing"},
                  {"op", "fail"},
                  {"placement", "local"},
                  {"outcome", outcome}})
        .value();
  };
  auto ok_before = series("ok");
  auto not_found_before = series("not_found");
  ASSERT_TRUE(node.call("failing", fail{"ok"}));
  ASSERT_FALSE(node.call("failing", fail{"error"}));
  ASSERT_FALSE(node.call("failing", fail{"error"}));
  EXPECT_EQ(series("ok") - ok_before, 1u);
  EXPECT_EQ(series("not_found") - not_found_before, 2u);
}

TEST(call_defaults, default_deadline_comes_from_the_placement_defaults) {
  cleave::test_node node{{silent_component()}, options_with_timeout(80ms)};
  auto r = node.call("silent", never_answer{});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::what(r.error()), "silent.never_answer: no reply within the deadline of 80 ms");
}

TEST(call_defaults, component_that_fails_to_start_fails_the_node_start_with_its_reason) {
  cleave::test_options opts;
  opts.configs["silent"] = boost::json::object{{"greeting", 7}};
  try {
    cleave::test_node node{{silent_component()}, opts};
    FAIL() << "the node must not start";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string{e.what()},
              "test_node: internal: silent failed to start: invalid_argument: field \"greeting\": "
              "expected a string, found 7 (number)");
  }
}

TEST(call_defaults, scheduler_comes_from_the_placement_defaults) {
  auto plan_with = [](const std::string& defaults) {
    auto p = cleave::parse_placement(
        R"({"app": "t", "defaults": )" + defaults +
            R"(, "nodes": {"main": {}}, "components": {"echo": {"node": "main"}}})",
        "test.json", {});
    EXPECT_TRUE(p) << cleave::describe(p.error());
    return *p;
  };
  {
    // "auto" on a node without an edge: work-stealing.
    cleave::test_node node{{echo_component()}, plan_with(R"({"scheduler_threads": 3})"), "main"};
    const auto& cfg = node.system().config();
    EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", size_t{0}), 3u);
    EXPECT_EQ(caf::get_or(cfg, "scheduler.policy", caf::atom("none")), caf::atom("stealing"));
    EXPECT_EQ(caf::get_or(cfg, "work-stealing.moderate-sleep-duration", caf::timespan{1}),
              caf::timespan{0});
    EXPECT_TRUE(node.call("echo", echo{"x"}));
  }
  {
    // "auto" on a node with an edge too: its gateway calls in from one I/O thread.
    auto edge = echo_component();
    edge.edge();
    cleave::test_node node{{edge}, plan_with("{}"), "main"};
    EXPECT_EQ(caf::get_or(node.system().config(), "scheduler.policy", caf::atom("none")),
              caf::atom("stealing"));
  }
  {
    cleave::test_node node{{echo_component()}, plan_with(R"({"scheduler": "sharing"})"), "main"};
    const auto& cfg = node.system().config();
    EXPECT_EQ(caf::get_or(cfg, "scheduler.policy", caf::atom("none")), caf::atom("sharing"));
    EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", size_t{0}),
              std::max(1u, std::thread::hardware_concurrency()));
    EXPECT_TRUE(node.call("echo", echo{"x"}));
  }
}

}  // namespace
