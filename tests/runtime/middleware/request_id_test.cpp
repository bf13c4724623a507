#include "runtime/middleware/request_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "runtime/middleware/rate_limit.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
using mw::testing::answer;

namespace {

// Runs a request with `incoming` as X-Request-Id (none if nullptr) through request_id with a
// generator that returns "generated-N"; returns {id the handler saw, response}.
struct outcome {
  std::string seen;
  cleave::http_response res;
};

outcome run(const char* incoming) {
  int n = 0;
  auto h = mw::request_id([&n] { return "generated-" + std::to_string(++n); })(cleave::answer_now(
      [](cleave::http_request& req) { return cleave::json_reply(200, req.request_id); }));
  cleave::http_request req;
  if (incoming != nullptr) req.headers["x-request-id"] = incoming;
  auto res = answer(h, req);
  return {res.body, res};
}

std::vector<std::string> headers_named(const cleave::http_response& res, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : res.headers)
    if (k == name) out.push_back(v);
  return out;
}

TEST(request_id, honours_a_valid_incoming_id_and_returns_it) {
  auto o = run("Abc-123_x.y");
  EXPECT_EQ(o.seen, "Abc-123_x.y");
  EXPECT_EQ(headers_named(o.res, "X-Request-Id"), std::vector<std::string>{"Abc-123_x.y"});
  auto longest = std::string(128, 'a');
  EXPECT_EQ(run(longest.c_str()).seen, longest);
}

TEST(request_id, replaces_an_invalid_incoming_id) {
  auto too_long = std::string(129, 'a');
  for (const char* bad : {"", "has space", "new\nline", "quote\"", "semi;colon", "caf\xc3\xa9",
                          "slash/", too_long.c_str()}) {
    auto o = run(bad);
    EXPECT_EQ(o.seen, "generated-1") << bad;
    EXPECT_EQ(headers_named(o.res, "X-Request-Id"), std::vector<std::string>{"generated-1"}) << bad;
  }
}

TEST(request_id, generates_one_when_absent) {
  auto o = run(nullptr);
  EXPECT_EQ(o.seen, "generated-1");
  EXPECT_EQ(headers_named(o.res, "X-Request-Id"), std::vector<std::string>{"generated-1"});
}

TEST(request_id, response_header_is_replaced_not_duplicated) {
  auto h = mw::request_id([] { return std::string{"mine"}; })(
      cleave::answer_now([](cleave::http_request&) {
        auto res = cleave::json_reply(200, "{}");
        res.headers.emplace_back("x-request-id", "stale");
        res.headers.emplace_back("Other", "kept");
        return res;
      }));
  cleave::http_request req;
  auto res = answer(h, req);
  ASSERT_EQ(res.headers.size(), 2u);
  EXPECT_EQ(res.headers[0], (std::pair<std::string, std::string>{"Other", "kept"}));
  EXPECT_EQ(res.headers[1], (std::pair<std::string, std::string>{"X-Request-Id", "mine"}));
}

TEST(request_id, random_ids_are_16_hex_characters_and_differ) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    auto id = mw::random_request_id();
    ASSERT_EQ(id.size(), 16u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ASSERT_TRUE(mw::valid_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(request_id, the_default_generator_is_random) {
  auto h = mw::request_id()(cleave::answer_now(
      [](cleave::http_request& req) { return cleave::json_reply(200, req.request_id); }));
  cleave::http_request a;
  cleave::http_request b;
  auto id_a = answer(h, a).body;
  auto id_b = answer(h, b).body;
  EXPECT_EQ(id_a.size(), 16u);
  EXPECT_NE(id_a, id_b);
}

TEST(request_id, early_answers_of_inner_middleware_carry_the_id) {
  mw::testing::fake_clock clock;
  auto bucket = mw::token_bucket::make({1, 1}, clock.fn());
  ASSERT_TRUE(bucket);
  auto h = cleave::chain({mw::request_id(), mw::rate_limit(*bucket)})(
      cleave::answer_now([](cleave::http_request&) { return cleave::json_reply(200, "{}"); }));
  cleave::http_request first;
  answer(h, first);
  cleave::http_request second;
  second.headers["x-request-id"] = "client-7";
  auto res = answer(h, second);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(headers_named(res, "X-Request-Id"), std::vector<std::string>{"client-7"});
}

TEST(request_id, a_late_answer_carries_the_id_of_its_request) {
  mw::testing::deferred inner;
  int n = 0;
  auto h = mw::request_id([&n] { return "generated-" + std::to_string(++n); })(inner.handler());
  cleave::http_request first;
  first.headers["x-request-id"] = "client-1";
  cleave::http_request second;
  mw::testing::answers out_first;
  mw::testing::answers out_second;
  h(first, out_first.respond());
  h(second, out_second.respond());
  ASSERT_EQ(inner.calls(), 2u);
  EXPECT_TRUE(out_first.got().empty());
  EXPECT_EQ(second.request_id, "generated-1");  // set on the way in, before any answer
  // Answered in the other order, after both calls returned: each answer gets its own id.
  auto stale = cleave::json_reply(200, "{}");
  stale.headers.emplace_back("X-Request-Id", "stale");
  inner.answer(1, stale);
  inner.answer(0, cleave::json_reply(201, "{}"));
  ASSERT_EQ(out_first.got().size(), 1u);
  ASSERT_EQ(out_second.got().size(), 1u);
  EXPECT_EQ(out_first.got()[0].status, 201);
  EXPECT_EQ(headers_named(out_first.got()[0], "X-Request-Id"),
            std::vector<std::string>{"client-1"});
  EXPECT_EQ(headers_named(out_second.got()[0], "X-Request-Id"),
            std::vector<std::string>{"generated-1"});
}

}  // namespace
