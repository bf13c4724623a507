#include "runtime/middleware/deadline.hpp"

#include <gtest/gtest.h>

#include "runtime/core/error.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
using mw::testing::answer;
using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

namespace {

struct deadline_middleware : ::testing::Test {
  mw::testing::fake_clock clock;
  int calls = 0;
  time_point seen = time_point::min();

  cleave::http_handler wrap(std::chrono::milliseconds timeout) {
    auto m = mw::deadline(timeout, clock.fn());
    EXPECT_TRUE(m) << cleave::describe(m.error());
    return (*m)(cleave::answer_now([this](cleave::http_request& req) {
      ++calls;
      seen = req.deadline;
      return cleave::json_reply(200, "{}");
    }));
  }

  cleave::http_request request() {
    cleave::http_request req;
    req.received = clock.now();
    return req;
  }
};

TEST_F(deadline_middleware, sets_the_deadline_from_when_the_request_was_received) {
  auto h = wrap(2000ms);
  auto req = request();
  clock.advance(300ms);  // time spent before reaching the middleware still counts
  EXPECT_EQ(answer(h, req).status, 200);
  EXPECT_EQ(seen, req.received + 2000ms);
  EXPECT_EQ(req.deadline, req.received + 2000ms);
}

TEST_F(deadline_middleware, never_extends_an_earlier_deadline) {
  auto outer = mw::deadline(500ms, clock.fn());
  ASSERT_TRUE(outer);
  auto h = (*outer)(wrap(2000ms));
  auto req = request();
  answer(h, req);
  EXPECT_EQ(seen, req.received + 500ms);
}

TEST_F(deadline_middleware, an_expired_request_gets_504_without_being_started) {
  auto h = wrap(1000ms);
  auto req = request();
  req.request_id = "late-1";
  clock.advance(1000ms);
  auto res = answer(h, req);
  EXPECT_EQ(res.status, 504);
  EXPECT_EQ(res.body, R"({"error":"deadline exceeded","request_id":"late-1"})");
  EXPECT_EQ(calls, 0);
  clock.advance(-1ms);
  auto fresh = request();
  EXPECT_EQ(answer(h, fresh).status, 200);
}

TEST_F(deadline_middleware, a_huge_timeout_saturates_instead_of_overflowing) {
  auto h = wrap(std::chrono::milliseconds::max());
  auto req = request();
  answer(h, req);
  EXPECT_EQ(seen, time_point::max());
  EXPECT_EQ(calls, 1);
}

TEST_F(deadline_middleware, a_late_answer_passes_through_as_it_is) {
  // Only the start is checked: the calls the request makes carry the deadline and end by it.
  auto m = mw::deadline(1000ms, clock.fn());
  ASSERT_TRUE(m);
  mw::testing::deferred inner;
  auto h = (*m)(inner.handler());
  auto req = request();
  mw::testing::answers out;
  h(req, out.respond());
  ASSERT_EQ(inner.calls(), 1u);
  EXPECT_EQ(req.deadline, req.received + 1000ms);
  clock.advance(5000ms);
  inner.answer(0, cleave::json_reply(200, "late"));
  ASSERT_EQ(out.got().size(), 1u);
  EXPECT_EQ(out.got()[0].status, 200);
  EXPECT_EQ(out.got()[0].body, "late");
}

TEST(deadline, refuses_a_timeout_that_is_not_positive) {
  for (auto t : {0ms, -5ms}) {
    auto m = mw::deadline(t);
    ASSERT_FALSE(m);
    EXPECT_TRUE(cleave::is(m.error(), cleave::errc::invalid_argument));
    EXPECT_NE(cleave::what(m.error()).find("deadline.timeout"), std::string::npos);
  }
}

TEST(client_deadline, shortens_the_deadline_to_the_clients_budget_and_never_extends_it) {
  mw::testing::fake_clock clock;
  time_point seen = time_point::min();
  auto h =
      mw::client_deadline(3600000ms, clock.fn())(cleave::answer_now([&](cleave::http_request& req) {
        seen = req.deadline;
        return cleave::json_reply(200, "{}");
      }));
  cleave::http_request req;
  req.received = clock.now();
  req.headers["x-request-deadline"] = "100";
  EXPECT_EQ(answer(h, req).status, 200);
  EXPECT_EQ(seen, req.received + 100ms);
  // A route's earlier deadline stays.
  cleave::http_request strict;
  strict.received = clock.now();
  strict.deadline = strict.received + 50ms;
  strict.headers["x-request-deadline"] = "100";
  answer(h, strict);
  EXPECT_EQ(seen, strict.received + 50ms);
  // No header: untouched.
  cleave::http_request plain;
  answer(h, plain);
  EXPECT_EQ(seen, time_point::max());
}

TEST(client_deadline, refuses_a_value_that_is_not_a_budget_in_milliseconds) {
  mw::testing::fake_clock clock;
  int calls = 0;
  auto h =
      mw::client_deadline(3600000ms, clock.fn())(cleave::answer_now([&](cleave::http_request&) {
        ++calls;
        return cleave::json_reply(200, "{}");
      }));
  for (const char* bad : {"0", "-5", "1.5", "soon", "3600001", "99999999999999999999"}) {
    cleave::http_request req;
    req.request_id = "r1";
    req.headers["x-request-deadline"] = bad;
    auto res = answer(h, req);
    EXPECT_EQ(res.status, 400) << bad;
    EXPECT_EQ(
        res.body,
        R"({"error":"X-Request-Deadline: expected a whole number of milliseconds from 1 to 3600000","request_id":"r1"})")
        << bad;
  }
  EXPECT_EQ(calls, 0);
}

}  // namespace
