#include "runtime/middleware/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/metrics/names.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
namespace cm = cleave::metrics;
using namespace std::chrono_literals;

namespace {

struct metrics_middleware : ::testing::Test {
  cm::registry reg{cm::registry::options{false}};
  mw::testing::fake_clock clock;

  uint64_t requests(const std::string& method, const std::string& route, const std::string& code) {
    return reg
        .counter(cm::names::http_requests_total.name, cm::names::http_requests_total.help,
                 {{"method", method}, {"route", route}, {"code", code}})
        .value();
  }

  cm::histogram::snapshot durations(const std::string& method, const std::string& route) {
    return reg
        .histogram(cm::names::http_request_duration_seconds.name,
                   cm::names::http_request_duration_seconds.help,
                   {{"method", method}, {"route", route}})
        .read();
  }

  // Answers with req.body as the status, after 30 ms of fake time; the route is set as a router
  // would, inside the chain.
  cleave::http_handler handler(std::string route) {
    return cleave::answer_now([this, route](cleave::http_request& req) {
      req.route = route;
      clock.advance(30ms);
      return cleave::json_reply(std::stoi(req.body), "{}");
    });
  }

  cleave::http_response run(const cleave::http_handler& h, const std::string& method, int status) {
    cleave::http_request req;
    req.method = method;
    req.body = std::to_string(status);
    return mw::testing::answer(h, req);
  }
};

TEST_F(metrics_middleware, counts_by_method_route_and_code) {
  auto h = mw::metrics(reg, clock.fn())(handler("/things/{id}"));
  run(h, "GET", 200);
  run(h, "GET", 200);
  run(h, "GET", 404);
  run(h, "POST", 500);
  EXPECT_EQ(requests("GET", "/things/{id}", "200"), 2u);
  EXPECT_EQ(requests("GET", "/things/{id}", "404"), 1u);
  EXPECT_EQ(requests("POST", "/things/{id}", "500"), 1u);
  EXPECT_EQ(requests("POST", "/things/{id}", "200"), 0u);
}

TEST_F(metrics_middleware, unmatched_routes_and_odd_methods_collapse) {
  auto h = mw::metrics(reg, clock.fn())(handler(""));
  run(h, "GET", 404);
  run(h, "BREW", 404);
  run(h, "get", 404);
  EXPECT_EQ(requests("GET", "unmatched", "404"), 1u);
  EXPECT_EQ(requests("other", "unmatched", "404"), 2u);
}

TEST_F(metrics_middleware, observes_the_duration) {
  auto h = mw::metrics(reg, clock.fn())(handler("/a"));
  run(h, "GET", 200);
  run(h, "GET", 503);  // every status lands in the one duration series of its method and route
  auto s = durations("GET", "/a");
  EXPECT_EQ(s.count, 2u);
  EXPECT_NEAR(s.sum, 0.06, 1e-12);
  EXPECT_EQ(s.cumulative[2], 0u);  // le 0.025
  EXPECT_EQ(s.cumulative[3], 2u);  // le 0.05
}

TEST_F(metrics_middleware, a_throwing_handler_counts_as_500) {
  auto h = mw::metrics(
      reg, clock.fn())(cleave::answer_now([](cleave::http_request& req) -> cleave::http_response {
    req.route = "/boom";
    throw std::runtime_error("boom");
  }));
  cleave::http_request req;
  req.method = "PUT";
  EXPECT_THROW(mw::testing::answer(h, req), std::runtime_error);
  EXPECT_EQ(requests("PUT", "/boom", "500"), 1u);
  EXPECT_EQ(durations("PUT", "/boom").count, 1u);
}

TEST_F(metrics_middleware, a_late_answer_is_counted_once_when_it_comes) {
  mw::testing::deferred inner;
  auto h = mw::metrics(reg, clock.fn())(inner.handler());
  cleave::http_request req;
  req.method = "GET";
  req.route = "/slow";
  mw::testing::answers out;
  h(req, out.respond());
  EXPECT_EQ(requests("GET", "/slow", "200"), 0u);
  EXPECT_EQ(durations("GET", "/slow").count, 0u);
  clock.advance(70ms);
  inner.answer(0, cleave::json_reply(200, "{}"));
  inner.answer(0, cleave::json_reply(503, "{}"));  // ignored: one answer per request
  ASSERT_EQ(out.got().size(), 1u);
  EXPECT_EQ(out.got()[0].status, 200);
  EXPECT_EQ(requests("GET", "/slow", "200"), 1u);
  EXPECT_EQ(requests("GET", "/slow", "503"), 0u);
  auto s = durations("GET", "/slow");
  EXPECT_EQ(s.count, 1u);
  EXPECT_NEAR(s.sum, 0.07, 1e-12);  // until the answer, not until the call returned
}

TEST_F(metrics_middleware, a_handler_that_answers_then_throws_counts_its_answer_once) {
  auto h = mw::metrics(
      reg, clock.fn())([](cleave::http_request& req, const cleave::http_respond& respond) {
    req.route = "/half";
    respond(cleave::json_reply(201, "{}"));
    throw std::runtime_error("after the answer");
  });
  cleave::http_request req;
  req.method = "POST";
  mw::testing::answers out;
  EXPECT_THROW(h(req, out.respond()), std::runtime_error);
  ASSERT_EQ(out.got().size(), 1u);
  EXPECT_EQ(requests("POST", "/half", "201"), 1u);
  EXPECT_EQ(requests("POST", "/half", "500"), 0u);
  EXPECT_EQ(durations("POST", "/half").count, 1u);
}

TEST_F(metrics_middleware, an_answer_after_a_throw_is_not_counted_again) {
  cleave::http_respond kept;
  auto h = mw::metrics(
      reg, clock.fn())([&kept](cleave::http_request& req, cleave::http_respond respond) {
    req.route = "/thrown";
    kept = std::move(respond);
    throw std::runtime_error("before the answer");
  });
  cleave::http_request req;
  req.method = "GET";
  mw::testing::answers out;
  EXPECT_THROW(h(req, out.respond()), std::runtime_error);
  EXPECT_EQ(requests("GET", "/thrown", "500"), 1u);
  kept(cleave::json_reply(200, "{}"));
  EXPECT_TRUE(out.got().empty());  // the throw was the request's end
  EXPECT_EQ(requests("GET", "/thrown", "200"), 0u);
  EXPECT_EQ(durations("GET", "/thrown").count, 1u);
}

TEST_F(metrics_middleware, shows_in_the_prometheus_text) {
  auto h = mw::metrics(reg, clock.fn())(handler("/a"));
  run(h, "GET", 200);
  auto text = reg.prometheus_text();
  EXPECT_NE(text.find("http_requests_total{code=\"200\",method=\"GET\",route=\"/a\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_duration_seconds_count{method=\"GET\",route=\"/a\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
