#include "runtime/middleware/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include "runtime/core/error.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
using mw::testing::answer;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<mw::token_bucket> bucket(double rate, int64_t burst, mw::testing::fake_clock& c) {
  auto b = mw::token_bucket::make({rate, burst}, c.fn());
  EXPECT_TRUE(b) << cleave::describe(b.error());
  return *b;
}

std::string header(const cleave::http_response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return "<absent>";
}

TEST(rate_limit, validate_refuses_bad_configs_naming_the_field) {
  auto refused = [](mw::rate_limit_config cfg, const std::string& field) {
    auto err = mw::validate(cfg);
    EXPECT_TRUE(cleave::is(err, cleave::errc::invalid_argument)) << field;
    EXPECT_NE(cleave::what(err).find(field), std::string::npos) << cleave::describe(err);
    EXPECT_FALSE(mw::token_bucket::make(cfg));
  };
  refused({0, 1}, "rate_limit.rate");
  refused({-1, 1}, "rate_limit.rate");
  refused({NAN, 1}, "rate_limit.rate");
  refused({INFINITY, 1}, "rate_limit.rate");
  refused({2e9, 1}, "rate_limit.rate");
  refused({1, 0}, "rate_limit.burst");
  refused({1, -5}, "rate_limit.burst");
  refused({1e-6, 1'000'000}, "rate_limit.burst");  // 1e12 seconds to refill
  EXPECT_FALSE(mw::validate({0.001, 1}));
  EXPECT_FALSE(mw::validate({1e9, 1'000'000'000}));
  EXPECT_FALSE(mw::validate(mw::rate_limit_config{}));
  EXPECT_EQ(cleave::what(mw::validate({0, 1})),
            "rate_limit.rate: must be > 0 and <= 1e9 tokens per second, found 0");
}

TEST(rate_limit, bucket_starts_full_and_allows_a_burst) {
  mw::testing::fake_clock clock;
  auto b = bucket(10, 3, clock);
  EXPECT_EQ(b->available(), 3);
  EXPECT_TRUE(b->try_take().allowed);
  EXPECT_TRUE(b->try_take().allowed);
  EXPECT_TRUE(b->try_take().allowed);
  EXPECT_EQ(b->available(), 0);
  auto refused = b->try_take();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token every 1/10 s
}

TEST(rate_limit, bucket_refills_at_rate_up_to_burst) {
  mw::testing::fake_clock clock;
  auto b = bucket(10, 3, clock);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->try_take().allowed);
  clock.advance(50ms);  // half a token
  auto early = b->try_take();
  EXPECT_FALSE(early.allowed);
  EXPECT_EQ(early.retry_after, 50ms);
  clock.advance(50ms);  // exactly one token
  EXPECT_EQ(b->available(), 1);
  EXPECT_TRUE(b->try_take().allowed);
  EXPECT_FALSE(b->try_take().allowed);
  clock.advance(250ms);  // two and a half tokens
  EXPECT_EQ(b->available(), 2);
  clock.advance(10s);  // a long quiet spell fills the bucket, no more
  EXPECT_EQ(b->available(), 3);
  int passed = 0;
  while (b->try_take().allowed) ++passed;
  EXPECT_EQ(passed, 3);
}

TEST(rate_limit, burst_of_one_is_a_steady_rate) {
  mw::testing::fake_clock clock;
  auto b = bucket(2, 1, clock);
  EXPECT_TRUE(b->try_take().allowed);
  EXPECT_FALSE(b->try_take().allowed);
  clock.advance(499ms);
  EXPECT_FALSE(b->try_take().allowed);
  clock.advance(1ms);
  EXPECT_TRUE(b->try_take().allowed);
}

TEST(rate_limit, refusals_do_not_use_tokens) {
  mw::testing::fake_clock clock;
  auto b = bucket(1, 1, clock);
  ASSERT_TRUE(b->try_take().allowed);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(b->try_take().allowed);
  clock.advance(1s);
  EXPECT_TRUE(b->try_take().allowed);
}

TEST(rate_limit, concurrent_takers_get_exactly_the_burst) {
  mw::testing::fake_clock clock;  // frozen: no refill while the threads run
  constexpr int burst = 100'000;
  auto b = bucket(1, burst, clock);
  std::atomic<int> allowed{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      // Start together, so that the takers really contend for the bucket.
      ++ready;
      while (ready.load() < 8) {
      }
      for (int i = 0; i < 25'000; ++i)
        if (b->try_take().allowed) ++allowed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), burst);
}

TEST(rate_limit, middleware_answers_429_with_retry_after) {
  mw::testing::fake_clock clock;
  int calls = 0;
  cleave::http_handler inner = cleave::answer_now([&](cleave::http_request&) {
    ++calls;
    return cleave::json_reply(200, "{}");
  });
  auto h = mw::rate_limit(bucket(0.4, 1, clock))(inner);  // one token every 2.5 s
  cleave::http_request req;
  req.request_id = "limited-1";
  EXPECT_EQ(answer(h, req).status, 200);
  auto res = answer(h, req);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(res.body),
            boost::json::parse(R"({"error":"rate limit exceeded","request_id":"limited-1"})"));
  EXPECT_EQ(header(res, "Retry-After"), "3");  // 2.5 s rounded up
  clock.advance(2s);
  EXPECT_EQ(header(answer(h, req), "Retry-After"), "1");  // 0.5 s rounded up
  clock.advance(500ms);
  EXPECT_EQ(answer(h, req).status, 200);
  EXPECT_EQ(calls, 2);
}

TEST(rate_limit, retry_after_is_at_least_one_second) {
  mw::testing::fake_clock clock;
  auto h = mw::rate_limit(bucket(1000, 1, clock))(
      cleave::answer_now([](cleave::http_request&) { return cleave::json_reply(200, "{}"); }));
  cleave::http_request req;
  answer(h, req);
  EXPECT_EQ(header(answer(h, req), "Retry-After"), "1");  // 1 ms away, but never "0"
  EXPECT_EQ(mw::retry_after_seconds(0ns), 1);
  EXPECT_EQ(mw::retry_after_seconds(1s), 1);
  EXPECT_EQ(mw::retry_after_seconds(1s + 1ns), 2);
  EXPECT_EQ(mw::retry_after_seconds(59s), 59);
}

TEST(rate_limit, a_request_waiting_for_its_answer_keeps_its_token) {
  mw::testing::fake_clock clock;
  mw::testing::deferred inner;
  auto h = mw::rate_limit(bucket(1, 1, clock))(inner.handler());
  cleave::http_request req;
  mw::testing::answers slow;
  h(req, slow.respond());
  ASSERT_EQ(inner.calls(), 1u);
  // The 429 comes at once, while the first request still waits.
  mw::testing::answers refused;
  h(req, refused.respond());
  ASSERT_EQ(refused.got().size(), 1u);
  EXPECT_EQ(refused.got()[0].status, 429);
  EXPECT_EQ(inner.calls(), 1u);
  EXPECT_TRUE(slow.got().empty());
  inner.answer(0, cleave::json_reply(202, "{}"));
  ASSERT_EQ(slow.got().size(), 1u);
  EXPECT_EQ(slow.got()[0].status, 202);
}

}  // namespace
