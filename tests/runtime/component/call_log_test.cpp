// "defaults.log_calls" tells what callers got: a handler that answers later is logged with the
// answer it gave, a delegation names where it went, and a call that got no answer is logged by
// its caller, naming the component that did not answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "runtime/core/request_context.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"
#include "tests/runtime/core/log_lines.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;

using core_test::log_lines_of;

/// "component.op -> outcome" of each line, with "answered"/"to"/"target" when present.
std::vector<std::string> summary(const std::vector<boost::json::object>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    auto text = [&](const char* key) {
      return l.contains(key) ? std::string{l.at(key).as_string()} : std::string{};
    };
    std::string s = std::string{text("msg")} + " " + text("component") + "." + text("op");
    if (l.contains("target")) s += " target " + text("target");
    s += " -> " + text("outcome");
    if (l.contains("to")) s += " to " + text("to");
    if (l.contains("answered")) s += " (answered " + text("answered") + ")";
    out.push_back(s);
  }
  return out;
}

class call_log : public ::testing::Test {
 protected:
  static cleave::test_options options() {
    cleave::test_options opts;
    opts.log_calls = true;
    opts.configs["silent"] = boost::json::object{{"greeting", "hi"}};
    return opts;
  }

  /// The log lines of `call`, made in request `id`.
  template <class Call>
  std::vector<std::string> logged(const std::string& id, Call call,
                                  std::chrono::milliseconds deadline = 5s) {
    testing::internal::CaptureStderr();
    {
      cleave::request_scope scope{id, std::chrono::steady_clock::now() + deadline};
      call();
    }
    // A line written after the answer (the handler of a component that answered for another)
    // is written by the time the node has stopped.
    node_.reset();
    return summary(log_lines_of(testing::internal::GetCapturedStderr(), id));
  }

  cleave::test_node& node() { return *node_; }

 private:
  std::unique_ptr<cleave::test_node> node_ =
      std::make_unique<cleave::test_node>(all_components(), options());
};

TEST_F(call_log, an_answer_given_later_is_logged_with_that_answer) {
  auto lines = logged("log-1", [&] {
    auto r = node().call("relay", relay{"silent", "x", 100});
    ASSERT_FALSE(r);
    EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
        << cleave::describe(r.error());
  });
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "call unanswered relay.echo target silent -> deadline_exceeded: silent.echo: no "
                "reply within the deadline of 100 ms",
                "call relay.relay -> deadline_exceeded: silent.echo: no reply within the deadline "
                "of 100 ms (answered later)"}));
}

TEST_F(call_log, an_error_answered_later_is_not_logged_as_ok) {
  auto lines = logged("log-2", [&] {
    auto r = node().call("relay", relay{"nobody", "x", 0});
    ASSERT_FALSE(r);
  });
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "call unanswered relay.echo target nobody -> unknown_component: "
                       "nobody.echo: no component named \"nobody\" in this placement",
                       "call relay.relay -> unknown_component: nobody.echo: no component named "
                       "\"nobody\" in this placement (answered later)"}));
}

TEST_F(call_log, a_handle_answered_by_another_component_logs_the_call_once_answered) {
  auto lines = logged("log-3", [&] {
    auto r = node().call("forwarder", echo_elsewhere{"c"});
    ASSERT_TRUE(r) << cleave::describe(r.error());
  });
  ASSERT_EQ(lines.size(), 2u) << testing::PrintToString(lines);
  // The answerer answers (logging the forwarder's call), then its own handler returns.
  EXPECT_EQ(lines[0], "call forwarder.echo_elsewhere -> ok (answered later)");
  EXPECT_EQ(lines[1], "call answerer.answer_for -> ok");
}

TEST_F(call_log, a_delegation_names_where_it_went_and_that_component_logs_the_outcome) {
  auto lines = logged("log-4", [&] {
    auto r = node().call("forwarder", echo_delegated{"d"});
    ASSERT_TRUE(r) << cleave::describe(r.error());
  });
  EXPECT_EQ(lines, (std::vector<std::string>{"call forwarder.echo_delegated -> delegated to echo",
                                             "call echo.echo -> ok"}));
}

TEST_F(call_log, a_coroutine_is_named_as_the_caller_after_a_co_await_too) {
  auto lines = logged(
      "log-6",
      [&] {
        ASSERT_FALSE(node().call("sequencer", sequence{{"echo", "silent"}, "x", false}));
        // The sequence's own call to silent ends at the same deadline: wait for it.
        auto until = std::chrono::steady_clock::now() + 2s;
        cleave::request_scope outside{"", std::chrono::steady_clock::time_point::max()};
        while (node().call("sequencer", sequencer_counts{})->finished == 0 &&
               std::chrono::steady_clock::now() < until) {
        }
      },
      200ms);
  auto has = [&](const std::string& start) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.rfind(start, 0) == 0; });
  };
  EXPECT_TRUE(has("call echo.echo -> ok")) << testing::PrintToString(lines);
  EXPECT_TRUE(has("call unanswered sequencer.echo target silent -> deadline_exceeded: silent.echo"))
      << "the call made after the first co_await names the coroutine's component\n"
      << testing::PrintToString(lines);
  EXPECT_TRUE(has("call sequencer.sequence -> deadline_exceeded: silent.echo"))
      << testing::PrintToString(lines);
}

TEST_F(call_log, an_error_answered_now_is_logged_with_it) {
  auto lines = logged("log-5", [&] { ASSERT_FALSE(node().call("failing", fail{"error"})); });
  EXPECT_EQ(lines, (std::vector<std::string>{"call failing.fail -> not_found: nothing here"}));
}

}  // namespace
