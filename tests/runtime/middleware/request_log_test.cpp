#include "runtime/middleware/request_log.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include "runtime/middleware/request_id.hpp"
#include "tests/runtime/middleware/answer.hpp"
#include "tests/runtime/middleware/fake_clock.hpp"

namespace mw = cleave::middleware;
using mw::testing::answer;
using namespace std::chrono_literals;

namespace {

struct request_log_middleware : ::testing::Test {
  mw::testing::fake_clock clock;
  std::vector<boost::json::object> lines;
  mw::log_sink sink = [this](const boost::json::object& line) {
    lines.push_back(line);
  };

  cleave::http_request request() {
    cleave::http_request req;
    req.method = "POST";
    req.path = "/things/42";
    req.route = "/things/{id}";
    req.body = R"({"name":"hello world"})";
    req.headers["x-request-id"] = "req-1";
    return req;
  }

  // A handler that takes 1.5 ms of fake time and answers 201.
  cleave::http_handler handler() {
    return cleave::answer_now([this](cleave::http_request&) {
      clock.advance(1500us);
      return cleave::json_reply(201, R"({"id":"42"})");
    });
  }
};

TEST_F(request_log_middleware, one_line_per_request_with_its_fields) {
  auto h =
      cleave::chain({mw::request_id(), mw::request_log("front", {}, sink, clock.fn())})(handler());
  auto req = request();
  auto res = answer(h, req);
  EXPECT_EQ(res.status, 201);
  ASSERT_EQ(lines.size(), 1u);
  const auto& l = lines[0];
  EXPECT_EQ(l.at("level"), "info");
  EXPECT_EQ(l.at("node"), "front");
  EXPECT_EQ(l.at("msg"), "request");
  EXPECT_EQ(l.at("method"), "POST");
  EXPECT_EQ(l.at("path"), "/things/42");
  EXPECT_EQ(l.at("route"), "/things/{id}");
  EXPECT_EQ(l.at("status").to_number<int>(), 201);
  EXPECT_EQ(l.at("request_id"), "req-1");
  EXPECT_EQ(l.at("elapsed_us").to_number<int64_t>(), 1500);
  EXPECT_EQ(l.at("request_bytes").to_number<size_t>(), req.body.size());
  EXPECT_EQ(l.at("response_bytes").to_number<size_t>(), res.body.size());
  // Bodies are off by default.
  EXPECT_FALSE(l.contains("request_body"));
  EXPECT_FALSE(l.contains("response_body"));
  answer(h, req);
  EXPECT_EQ(lines.size(), 2u);
}

TEST_F(request_log_middleware, request_id_is_logged_wherever_the_id_middleware_sits) {
  // Logging outermost: the id is set further in, and read after the call.
  auto h = cleave::chain({mw::request_log("front", {}, sink, clock.fn()),
                          mw::request_id([] { return std::string{"gen"}; })})(handler());
  cleave::http_request req;
  answer(h, req);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("request_id"), "gen");
  EXPECT_EQ(lines[0].at("route"), "");
}

TEST_F(request_log_middleware, bodies_when_enabled_are_capped) {
  mw::request_log_config cfg;
  cfg.log_bodies = true;
  cfg.max_body_bytes = 8;
  auto h = mw::request_log("front", cfg, sink, clock.fn())(handler());
  auto req = request();
  answer(h, req);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("request_body"), R"({"name":)");
  EXPECT_EQ(lines[0].at("request_body_truncated"), true);
  EXPECT_EQ(lines[0].at("response_body"), R"({"id":"4)");
  EXPECT_EQ(lines[0].at("response_body_truncated"), true);

  cfg.max_body_bytes = 100;
  lines.clear();
  answer(mw::request_log("front", cfg, sink, clock.fn())(handler()), req);
  EXPECT_EQ(boost::json::value_to<std::string>(lines[0].at("request_body")), req.body);
  EXPECT_FALSE(lines[0].contains("request_body_truncated"));
  EXPECT_EQ(lines[0].at("response_body"), R"({"id":"42"})");
}

TEST_F(request_log_middleware, bodies_are_cut_at_a_character_boundary) {
  mw::request_log_config cfg;
  cfg.log_bodies = true;
  cfg.max_body_bytes = 2;
  auto h = mw::request_log("front", cfg, sink, clock.fn())(cleave::answer_now(
      [](cleave::http_request&) { return cleave::json_reply(200, "\xe2\x82\xac"); }));  // €
  cleave::http_request req;
  req.body = "a\xc3\xa9z";  // "aéz": the é is bytes 1-2, so 2 bytes would split it
  answer(h, req);
  EXPECT_EQ(lines[0].at("request_body"), "a");
  EXPECT_EQ(lines[0].at("response_body"), "");
  EXPECT_EQ(lines[0].at("response_body_truncated"), true);
}

TEST_F(request_log_middleware, a_throwing_handler_is_logged_as_500_and_rethrown) {
  auto h = mw::request_log("front", {}, sink, clock.fn())(cleave::answer_now(
      [](cleave::http_request&) -> cleave::http_response { throw std::runtime_error("boom"); }));
  auto req = request();
  EXPECT_THROW(answer(h, req), std::runtime_error);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("status").to_number<int>(), 500);
  EXPECT_EQ(lines[0].at("exception"), "boom");
}

TEST_F(request_log_middleware, a_late_answer_is_logged_once_when_it_comes) {
  mw::testing::deferred inner;
  mw::request_log_config cfg;
  cfg.log_bodies = true;
  auto h = cleave::chain({mw::request_log("front", cfg, sink, clock.fn()),
                          mw::request_id([] { return std::string{"gen"}; })})(inner.handler());
  auto req = request();
  req.headers.clear();
  mw::testing::answers out;
  h(req, out.respond());
  ASSERT_EQ(inner.calls(), 1u);
  EXPECT_TRUE(lines.empty()) << "nothing to log before the answer";
  clock.advance(2500us);
  inner.answer(0, cleave::json_reply(404, R"({"error":"none"})"));
  inner.answer(0, cleave::json_reply(200, "{}"));  // ignored: one answer per request
  ASSERT_EQ(out.got().size(), 1u);
  EXPECT_EQ(out.got()[0].status, 404);
  ASSERT_EQ(lines.size(), 1u);
  const auto& l = lines[0];
  EXPECT_EQ(l.at("status").to_number<int>(), 404);
  EXPECT_EQ(l.at("elapsed_us").to_number<int64_t>(), 2500);
  EXPECT_EQ(l.at("request_id"), "gen");
  EXPECT_EQ(l.at("path"), "/things/42");
  EXPECT_EQ(l.at("route"), "/things/{id}");
  EXPECT_EQ(l.at("request_bytes").to_number<size_t>(), req.body.size());
  EXPECT_EQ(boost::json::value_to<std::string>(l.at("request_body")), req.body);
  EXPECT_EQ(l.at("response_bytes").to_number<size_t>(), out.got()[0].body.size());
  EXPECT_EQ(l.at("response_body"), R"({"error":"none"})");
  EXPECT_FALSE(l.contains("exception"));
}

TEST_F(request_log_middleware, a_handler_that_answers_then_throws_is_logged_once_by_its_answer) {
  auto h = mw::request_log("front", {}, sink, clock.fn())(
      [](cleave::http_request&, const cleave::http_respond& respond) {
        respond(cleave::json_reply(200, "{}"));
        throw std::runtime_error("after the answer");
      });
  auto req = request();
  mw::testing::answers out;
  EXPECT_THROW(h(req, out.respond()), std::runtime_error);
  ASSERT_EQ(out.got().size(), 1u);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("status").to_number<int>(), 200);
  EXPECT_FALSE(lines[0].contains("exception"));
}

TEST_F(request_log_middleware, an_answer_after_a_throw_is_neither_logged_nor_passed_on) {
  cleave::http_respond kept;
  auto h = mw::request_log(
      "front", {}, sink, clock.fn())([&kept](cleave::http_request&, cleave::http_respond respond) {
    kept = std::move(respond);
    throw std::runtime_error("before the answer");
  });
  auto req = request();
  mw::testing::answers out;
  EXPECT_THROW(h(req, out.respond()), std::runtime_error);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("status").to_number<int>(), 500);
  EXPECT_EQ(lines[0].at("exception"), "before the answer");
  kept(cleave::json_reply(200, "{}"));
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_TRUE(out.got().empty());  // the throw was the request's end
}

TEST_F(request_log_middleware, a_sink_that_throws_is_not_logged_as_the_handlers_failure) {
  int written = 0;
  auto h = mw::request_log(
      "front", {},
      [&written](const boost::json::object&) {
        ++written;
        throw std::runtime_error("disk full");
      },
      clock.fn())(handler());
  auto req = request();
  EXPECT_THROW(answer(h, req), std::runtime_error);
  EXPECT_EQ(written, 1);
}

TEST_F(request_log_middleware, default_sink_writes_one_json_line_to_stderr) {
  auto h = mw::request_log("edge-node")(handler());
  auto req = request();
  req.request_id = "rid";
  ::testing::internal::CaptureStderr();
  answer(h, req);
  auto text = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
  auto v = boost::json::parse(text);
  const auto& o = v.as_object();
  EXPECT_TRUE(o.contains("time"));
  EXPECT_EQ(o.at("level"), "info");
  EXPECT_EQ(o.at("node"), "edge-node");
  EXPECT_EQ(o.at("msg"), "request");
  EXPECT_EQ(o.at("request_id"), "rid");
  EXPECT_EQ(o.at("status").to_number<int>(), 201);
  EXPECT_EQ(o.at("path"), "/things/42");
}

}  // namespace
