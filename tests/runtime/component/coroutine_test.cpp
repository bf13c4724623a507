// Coroutine handlers (cleave::task): calls one after another, resumed on the component's actor,
// with the request's id and deadline carried through; other messages run while one waits.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include <caf/scoped_actor.hpp>

#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;

cleave::test_options options() {
  cleave::test_options opts;
  opts.timeout = 2000ms;
  opts.configs["silent"] = boost::json::object{{"greeting", "hi"}};
  return opts;
}

class coroutine : public ::testing::Test {
 protected:
  cleave::test_node node{all_components(), options()};

  sequencer_tally counts() {
    auto c = node.call("sequencer", sequencer_counts{});
    EXPECT_TRUE(c) << cleave::describe(c.error());
    return c ? *c : sequencer_tally{-1, -1};
  }
};

TEST_F(coroutine, calls_one_after_another_and_answers_with_what_it_returns) {
  auto r = node.call("sequencer", sequence{{"echo", "echo", "whoami"}, "x", false});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "x+x+") << "whoami answers the request id: none here";
  EXPECT_EQ(r->by, "sequencer<-whoami");
}

TEST_F(coroutine, the_request_id_goes_on_after_a_co_await) {
  cleave::request_scope scope{"co-7", std::chrono::steady_clock::now() + 5s};
  auto r = node.call("sequencer", sequence{{"echo", "whoami"}, "x", false});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "x+co-7") << "whoami, called after the first co_await, saw the request";
}

TEST_F(coroutine, a_failed_call_gives_its_error_and_the_handler_answers_with_it) {
  auto r = node.call("sequencer", sequence{{"echo", "nobody"}, "x", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()),
            "unknown_component: nobody.echo: no component named \"nobody\" in this placement");
}

TEST_F(coroutine, an_exception_after_a_co_await_answers_internal) {
  auto r = node.call("sequencer", sequence{{"echo", "echo"}, "x", true});
  ASSERT_FALSE(r);
  EXPECT_EQ(cleave::describe(r.error()), "internal: handler threw: after the first call");
  auto again = node.call("sequencer", sequence{{"echo"}, "y", false});
  EXPECT_TRUE(again) << "the component lives on";
}

TEST_F(coroutine, a_void_response_answers_with_co_return_none_or_an_error) {
  EXPECT_TRUE(node.call("sequencer", sequence_touch{"echo"}));
  auto r = node.call("sequencer", sequence_touch{"nobody"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unknown_component))
      << cleave::describe(r.error());
}

TEST_F(coroutine, other_messages_of_the_component_run_while_one_waits) {
  // "silent" never answers: the coroutine waits for its deadline (500 ms).
  auto waiting = std::async(std::launch::async, [&] {
    cleave::request_scope scope{"co-wait", std::chrono::steady_clock::now() + 500ms};
    return node.call("sequencer", sequence{{"silent"}, "x", false});
  });
  sequencer_tally seen;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    seen = counts();
  } while (seen.started == 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(seen.started, 1);
  EXPECT_EQ(seen.finished, 0) << "answered while the sequence waited";
  auto r = waiting.get();
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
      << cleave::describe(r.error());
}

TEST_F(coroutine, a_call_after_a_co_await_keeps_the_request_deadline) {
  auto start = std::chrono::steady_clock::now();
  {
    cleave::request_scope scope{"co-deadline", start + 300ms};
    auto r = node.call("sequencer", sequence{{"echo", "silent"}, "x", false});
    ASSERT_FALSE(r);
    EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
        << cleave::describe(r.error());
  }
  // With the placement's 2 s instead of what was left of 300 ms, the sequence would end ~2 s in.
  auto deadline = start + 1500ms;
  sequencer_tally seen;
  do {
    seen = counts();
  } while (seen.finished == 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(seen.finished, 1) << "the call to silent outlived the request's deadline";
}

TEST(coroutine_outside_a_component, fails_the_call_with_internal) {
  cleave::test_node node{{echo_component()}};
  auto& sys = node.system();
  auto bare = sys.spawn([]() -> caf::behavior {
    return cleave::handlers([](sequence) -> cleave::task<echoed> { co_return echoed{}; });
  });
  caf::scoped_actor self{sys};
  caf::error failure;
  self->request(bare, caf::infinite, sequence{{}, "x", false})
      .receive([](const echoed&) {}, [&](caf::error& err) { failure = std::move(err); });
  EXPECT_TRUE(cleave::is(failure, cleave::errc::internal)) << cleave::describe(failure);
  EXPECT_NE(cleave::what(failure).find("runs only in a component"), std::string::npos)
      << cleave::describe(failure);
  self->send_exit(bare, caf::exit_reason::user_shutdown);
}

}  // namespace
