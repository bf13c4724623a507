#include "runtime/middleware/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "runtime/core/error.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
using namespace std::chrono_literals;
using state = mw::breaker::state;
using mw::testing::answer;

namespace {

struct breaker_transitions : ::testing::Test {
  mw::testing::fake_clock clock;
  std::shared_ptr<mw::breaker> b;
  cleave::http_handler h;
  int calls = 0;
  int next_status = 200;
  // Called inside the handler, to act while a request is in flight.
  std::function<void()> during;

  void SetUp() override {
    auto made = mw::breaker::make({3, 10'000ms}, clock.fn());
    ASSERT_TRUE(made) << cleave::describe(made.error());
    b = *made;
    h = mw::circuit_breaker(b)(cleave::answer_now([this](cleave::http_request&) {
      ++calls;
      if (during) std::exchange(during, nullptr)();
      return cleave::json_reply(next_status, "{}");
    }));
  }

  int run(int status) {
    next_status = status;
    cleave::http_request req;
    return answer(h, req).status;
  }

  cleave::http_response run_response(int status) {
    next_status = status;
    cleave::http_request req;
    req.request_id = "breaker-1";
    return answer(h, req);
  }

  void trip() {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(run(500), 500);
    ASSERT_EQ(b->current(), state::open);
  }
};

std::string header(const cleave::http_response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return "<absent>";
}

TEST(circuit_breaker, validate_refuses_bad_configs) {
  EXPECT_FALSE(mw::validate(mw::circuit_breaker_config{}));
  auto zero = mw::validate({0, 1000ms});
  EXPECT_TRUE(cleave::is(zero, cleave::errc::invalid_argument));
  EXPECT_NE(cleave::what(zero).find("circuit_breaker.failure_threshold"), std::string::npos);
  auto cool = mw::validate({1, 0ms});
  EXPECT_NE(cleave::what(cool).find("circuit_breaker.cool_down"), std::string::npos);
  EXPECT_FALSE(mw::breaker::make({5, -1ms}));
}

TEST_F(breaker_transitions, stays_closed_while_failures_are_not_consecutive) {
  EXPECT_EQ(b->current(), state::closed);
  run(500);
  run(502);
  run(200);  // resets the count
  run(504);
  run(500);
  run(404);  // a 4xx is the client's fault, not a failure
  run(500);
  run(503);
  EXPECT_EQ(b->current(), state::closed);
  EXPECT_EQ(calls, 8);
}

TEST_F(breaker_transitions, opens_after_n_consecutive_failures_and_answers_503_at_once) {
  trip();
  EXPECT_EQ(calls, 3);
  clock.advance(2500ms);
  auto res = run_response(200);
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body, R"({"error":"circuit open","request_id":"breaker-1"})");
  EXPECT_EQ(header(res, "Retry-After"), "8");  // 7.5 s of cool-down left, rounded up
  EXPECT_EQ(calls, 3);                         // not passed on
  clock.advance(7499ms);
  EXPECT_EQ(run(200), 503);
  EXPECT_EQ(b->current(), state::open);
}

TEST_F(breaker_transitions, half_open_after_the_cool_down_lets_one_probe_through) {
  trip();
  clock.advance(10s);
  EXPECT_EQ(b->current(), state::half_open);
  // While the probe runs, another request is refused.
  int concurrent = 0;
  during = [&] {
    EXPECT_EQ(b->current(), state::half_open);
    concurrent = run(200);
  };
  EXPECT_EQ(run(200), 200);
  EXPECT_EQ(concurrent, 503);
  EXPECT_EQ(calls, 4);  // the three failures and the probe
  // The probe succeeded: closed.
  EXPECT_EQ(b->current(), state::closed);
  EXPECT_EQ(run(200), 200);
  EXPECT_EQ(calls, 5);
}

TEST_F(breaker_transitions, a_failed_probe_opens_it_for_another_cool_down) {
  trip();
  clock.advance(10s);
  EXPECT_EQ(run(500), 500);
  EXPECT_EQ(b->current(), state::open);
  clock.advance(9999ms);
  EXPECT_EQ(run(200), 503);
  clock.advance(1ms);
  EXPECT_EQ(run(200), 200);
  EXPECT_EQ(b->current(), state::closed);
}

TEST_F(breaker_transitions, after_closing_it_takes_n_new_failures_to_open) {
  trip();
  clock.advance(10s);
  run(200);
  run(500);
  run(500);
  EXPECT_EQ(b->current(), state::closed);
  run(500);
  EXPECT_EQ(b->current(), state::open);
}

TEST_F(breaker_transitions, a_throwing_handler_is_a_failure) {
  auto thrower = mw::circuit_breaker(b)(cleave::answer_now(
      [](cleave::http_request&) -> cleave::http_response { throw std::runtime_error("x"); }));
  cleave::http_request req;
  for (int i = 0; i < 3; ++i) EXPECT_THROW(answer(thrower, req), std::runtime_error);
  EXPECT_EQ(b->current(), state::open);
}

TEST_F(breaker_transitions, a_handler_that_answers_then_throws_counts_once) {
  auto h2 = mw::circuit_breaker(b)([](cleave::http_request&, const cleave::http_respond& respond) {
    respond(cleave::json_reply(500, "{}"));
    throw std::runtime_error("after the answer");
  });
  cleave::http_request req;
  mw::testing::answers out;
  for (int i = 0; i < 2; ++i) EXPECT_THROW(h2(req, out.respond()), std::runtime_error);
  EXPECT_EQ(out.got().size(), 2u);
  EXPECT_EQ(b->current(), state::closed);  // two failures of 3, not four
  EXPECT_THROW(h2(req, out.respond()), std::runtime_error);
  EXPECT_EQ(b->current(), state::open);
}

TEST_F(breaker_transitions, late_answers_report_when_they_come) {
  mw::testing::deferred inner;
  auto late = mw::circuit_breaker(b)(inner.handler());
  cleave::http_request req;
  mw::testing::answers out;
  for (int i = 0; i < 3; ++i) late(req, out.respond());
  ASSERT_EQ(inner.calls(), 3u);
  EXPECT_EQ(b->current(), state::closed);  // nothing has failed yet
  for (size_t i = 0; i < 3; ++i) inner.answer(i, cleave::json_reply(502, "{}"));
  ASSERT_EQ(out.got().size(), 3u);
  EXPECT_EQ(out.got()[2].status, 502);
  EXPECT_EQ(b->current(), state::open);

  // A probe waiting for its answer keeps others out; its late success closes the breaker.
  clock.advance(10s);
  late(req, out.respond());
  ASSERT_EQ(inner.calls(), 4u);
  EXPECT_EQ(b->current(), state::half_open);
  late(req, out.respond());
  ASSERT_EQ(out.got().size(), 4u);
  EXPECT_EQ(out.got()[3].status, 503);
  EXPECT_EQ(inner.calls(), 4u);
  inner.answer(3, cleave::json_reply(200, "{}"));
  inner.answer(3, cleave::json_reply(500, "{}"));  // ignored: one answer per request
  EXPECT_EQ(out.got().size(), 5u);
  EXPECT_EQ(b->current(), state::closed);
}

TEST_F(breaker_transitions, an_answer_after_a_throw_is_not_counted_again) {
  std::vector<cleave::http_respond> kept;
  auto h2 = mw::circuit_breaker(b)([&kept](cleave::http_request&, cleave::http_respond respond) {
    kept.push_back(std::move(respond));
    throw std::runtime_error("before the answer");
  });
  cleave::http_request req;
  mw::testing::answers out;
  for (int i = 0; i < 2; ++i) EXPECT_THROW(h2(req, out.respond()), std::runtime_error);
  for (auto& r : kept) r(cleave::json_reply(500, "{}"));
  EXPECT_TRUE(out.got().empty());
  EXPECT_EQ(b->current(), state::closed);  // two failures of 3, not four
}

TEST_F(breaker_transitions, a_result_from_before_a_state_change_is_ignored) {
  // Slow requests admitted while closed finish after the breaker opened: a success must not
  // close it (nor end a probe), a failure must not count against the new state.
  auto slow_ok = b->acquire();
  auto slow_ok2 = b->acquire();
  auto slow_fail = b->acquire();
  ASSERT_TRUE(slow_ok.allowed);
  trip();
  b->release(slow_ok, true);
  EXPECT_EQ(b->current(), state::open);
  clock.advance(10s);
  auto probe = b->acquire();
  ASSERT_TRUE(probe.allowed);
  b->release(slow_ok2, true);  // not the probe's result
  EXPECT_EQ(b->current(), state::half_open);
  EXPECT_FALSE(b->acquire().allowed);
  b->release(probe, true);
  EXPECT_EQ(b->current(), state::closed);
  b->release(slow_fail, false);
  run(500);
  run(500);  // two new failures and a stale one: still under the threshold of 3
  EXPECT_EQ(b->current(), state::closed);
}

TEST_F(breaker_transitions, a_lost_probe_does_not_keep_it_half_open_forever) {
  trip();
  clock.advance(10s);
  auto lost = b->acquire();  // never released
  ASSERT_TRUE(lost.allowed);
  EXPECT_FALSE(b->acquire().allowed);
  clock.advance(10s);
  auto second = b->acquire();
  EXPECT_TRUE(second.allowed);
  b->release(lost, false);  // too late: ignored
  b->release(second, true);
  EXPECT_EQ(b->current(), state::closed);
}

TEST(circuit_breaker, state_names) {
  EXPECT_STREQ(mw::to_string(state::closed), "closed");
  EXPECT_STREQ(mw::to_string(state::open), "open");
  EXPECT_STREQ(mw::to_string(state::half_open), "half_open");
}

}  // namespace

namespace {

/// A breaker that opens on a failure rate only (the consecutive threshold out of reach).
std::shared_ptr<mw::breaker> rate_breaker(mw::testing::fake_clock& clock) {
  mw::circuit_breaker_config cfg;
  cfg.failure_threshold = 1000;
  cfg.failure_rate = 0.5;
  cfg.window = 1000ms;
  cfg.min_requests = 10;
  auto made = mw::breaker::make(cfg, clock.fn());
  EXPECT_TRUE(made) << cleave::describe(made.error());
  return *made;
}

void report(mw::breaker& b, bool success) {
  b.release(b.acquire(), success);
}

TEST(circuit_breaker, opens_on_a_failure_rate_over_the_window) {
  mw::testing::fake_clock clock;
  auto b = rate_breaker(clock);
  // Every other request fails, so only the rate can open it (the consecutive threshold is out of
  // reach), once ten requests have ended within the window.
  for (int i = 0; i < 9; ++i) {
    report(*b, i % 2 == 0);
    clock.advance(10ms);
  }
  EXPECT_EQ(b->current(), state::closed) << "nine requests are fewer than min_requests";
  report(*b, true);
  EXPECT_EQ(b->current(), state::closed) << "4 failures of 10";
  report(*b, false);
  EXPECT_EQ(b->current(), state::closed) << "5 failures of 11";
  report(*b, false);
  EXPECT_EQ(b->current(), state::open) << "6 failures of 12";
}

TEST(circuit_breaker, failures_older_than_the_window_do_not_count) {
  mw::testing::fake_clock clock;
  auto b = rate_breaker(clock);
  for (int i = 0; i < 8; ++i) report(*b, false);
  ASSERT_EQ(b->current(), state::closed);
  // A window later, those eight are gone: 2 failures of 10 recent requests.
  clock.advance(1100ms);
  for (int i = 0; i < 8; ++i) report(*b, true);
  report(*b, false);
  report(*b, false);
  EXPECT_EQ(b->current(), state::closed);
  // The same ten within the window with the old failures would have opened it.
  auto fresh = rate_breaker(clock);
  for (int i = 0; i < 8; ++i) report(*fresh, false);
  for (int i = 0; i < 2; ++i) report(*fresh, true);
  EXPECT_EQ(fresh->current(), state::open);
}

TEST(circuit_breaker, validate_refuses_bad_rate_settings) {
  mw::circuit_breaker_config cfg;
  cfg.failure_rate = 1.5;
  EXPECT_NE(cleave::what(mw::validate(cfg)).find("circuit_breaker.failure_rate"),
            std::string::npos);
  cfg.failure_rate = 0.5;
  cfg.window = 5ms;
  EXPECT_NE(cleave::what(mw::validate(cfg)).find("circuit_breaker.window"), std::string::npos);
  cfg.window = 1000ms;
  cfg.min_requests = 0;
  EXPECT_NE(cleave::what(mw::validate(cfg)).find("circuit_breaker.min_requests"),
            std::string::npos);
}

}  // namespace
