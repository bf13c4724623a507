// Declaring routes: errors at declaration time, middleware order, and the typed handler's
// negotiation and binding, run in-process (no sockets).
#include "runtime/gateway/routes.hpp"

#include <future>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "runtime/gateway/detail/caller.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/gateway/test_gateway_components.hpp"

namespace {

using namespace gateway_test;
using namespace std::chrono_literals;

struct with_list {
  std::vector<std::string> tags;
  using response = echoed;
};
CLEAVE_MESSAGE(with_list, tags)

std::string error_text(const cleave::http_response& res) {
  auto v = boost::json::parse(res.body);
  return std::string{v.as_object().at("error").as_string()};
}

TEST(routes, refuses_a_param_that_is_not_a_field) {
  cleave::routes r;
  try {
    r.add<gw_get_item>("GET", "/items/{item_id}", "gwtest");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string{e.what()}.find("{item_id} is not a field of gw_get_item"),
              std::string::npos)
        << e.what();
  }
}

TEST(routes, refuses_a_param_whose_field_a_path_cannot_fill) {
  cleave::routes r;
  EXPECT_THROW(r.add<with_list>("GET", "/x/{tags}", "gwtest"), std::invalid_argument);
}

/// The message of the std::invalid_argument `declare` throws ("" if it does not).
template <class F>
std::string refusal(F declare) {
  try {
    declare();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(routes, created_at_must_name_fields_of_the_response_a_path_can_hold) {
  cleave::routes r;
  EXPECT_EQ(
      refusal([&] { r.add<gw_echo>("POST", "/a", "gwtest", cleave::created_at("/echoes/{id}")); }),
      "created_at \"/echoes/{id}\" of the route for gw_echo: {id} is not a field of its "
      "response");
  EXPECT_EQ(refusal([&] {
              r.add<gw_touch>("POST", "/b", "gwtest", cleave::created_at("/touched/{text}"));
            }),
            "created_at \"/touched/{text}\" of the route for gw_touch: its response has no "
            "fields to fill a Location from");
  EXPECT_NE(
      refusal([&] { r.add<gw_echo>("POST", "/c", "gwtest", cleave::created_at("echoes/{text}")); }),
      "");
  EXPECT_TRUE(r.all().empty()) << "a refused route is not added";
  r.add<gw_echo>("POST", "/d", "gwtest", cleave::created_at("/echoes/{text}/{by}"));
  EXPECT_EQ(r.all().size(), 1u);
}

TEST(routes, success_reply_is_201_with_the_location_filled_and_percent_encoded) {
  auto reply = boost::json::parse(R"({"id":"a/b c\u00e9","n":-7,"ok":true})");
  auto res = cleave::detail::success_reply(reply, std::string{"/things/{id}/{n}/{ok}"});
  EXPECT_EQ(res.status, 201);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Location");
  EXPECT_EQ(res.headers[0].second, "/things/a%2Fb%20c%C3%A9/-7/true");
  EXPECT_EQ(boost::json::parse(res.body), reply);
  auto plain = cleave::detail::success_reply(reply, std::nullopt);
  EXPECT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.headers.empty());
  auto absent = cleave::detail::success_reply(boost::json::parse(R"({"id":null})"),
                                              std::string{"/things/{id}"});
  EXPECT_EQ(absent.status, 201) << "created all the same";
  EXPECT_TRUE(absent.headers.empty()) << "no Location without the value it names";
}

TEST(routes, refuses_duplicates_and_malformed_patterns_when_declared) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  EXPECT_THROW(r.add<gw_echo>("POST", "/echo", "other"), std::invalid_argument);
  EXPECT_THROW(r.add_raw("POST", "/echo",
                         [](cleave::http_request&) { return cleave::json_reply(200, "{}"); }),
               std::invalid_argument);
  EXPECT_THROW(r.add<gw_echo>("POST", "echo", "gwtest"), std::invalid_argument);
  EXPECT_EQ(r.all().size(), 1u) << "a refused route is not added";
}

TEST(routes, config_key_refuses_the_gateways_own_keys) {
  cleave::routes r;
  EXPECT_THROW(r.config_key("listen"), std::invalid_argument);
  EXPECT_THROW(r.config_key("rate_limit"), std::invalid_argument);
  r.config_key("circuit_breaker").config_key("circuit_breaker");
  EXPECT_EQ(r.extension_keys(), (std::vector<std::string>{"circuit_breaker"}));
}

TEST(routes, middleware_keeps_declaration_order_across_use_and_factories) {
  cleave::routes r;
  auto tag = [](std::string name) -> cleave::http_middleware {
    return [name](cleave::http_handler next) {
      return [name, next](cleave::http_request& req, cleave::http_respond respond) {
        req.body += name;
        next(req, std::move(respond));
      };
    };
  };
  r.use(tag("a"));
  r.middleware_factory([&](const cleave::gateway_settings& s) {
    return std::vector<cleave::http_middleware>{tag("b" + s.name), tag("c")};
  });
  r.use(tag("d"));
  cleave::gateway_settings s;
  s.name = "X";
  auto handler = cleave::chain(r.middleware(s))(cleave::answer_now(
      [](cleave::http_request& req) { return cleave::json_reply(200, req.body); }));
  cleave::http_request req;
  std::string answered;
  handler(req, [&](cleave::http_response res) { answered = res.body; });
  EXPECT_EQ(answered, "abXcd") << "the first declared is the outermost";
}

class typed_handler : public ::testing::Test {
 protected:
  void TearDown() override { caf::anon_send_exit(caller, caf::exit_reason::user_shutdown); }

  /// Runs the last route's handler on `req` and waits (at most 5 s) for its answer.
  cleave::http_response run(cleave::routes& r, cleave::http_request req) {
    cleave::gateway_settings s;
    s.system = &node.system();
    s.caller = caller;
    s.timeout = 2000ms;
    auto h = r.all().back().make(s);
    auto answer = std::make_shared<std::promise<cleave::http_response>>();
    h(req, [answer](cleave::http_response res) { answer->set_value(std::move(res)); });
    auto got = answer->get_future();
    if (got.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 5 s";
      return cleave::error_reply(599, "no answer", req.request_id);
    }
    return got.get();
  }

  static cleave::http_request request(std::string body,
                                      std::map<std::string, std::string> headers = {}) {
    cleave::http_request req;
    req.method = "POST";
    req.body = std::move(body);
    req.headers = std::move(headers);
    return req;
  }

  cleave::test_node node{{test_component()}};
  caf::actor caller = cleave::detail::spawn_caller(node.system(), {}, "test", "gateway");
};

TEST_F(typed_handler, decodes_the_body_calls_and_encodes_the_reply) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  auto res = run(r, request(R"({"text":"ab","times":2})"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"text":"abab","by":"gwtest","request_id":""})");
}

TEST_F(typed_handler, accept_header_must_admit_json) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  auto body = R"({"text":"a"})";
  for (const char* ok : {"application/json", "*/*", "application/*", "text/html, */*;q=0.1",
                         "application/json; charset=utf-8", "TEXT/HTML,APPLICATION/JSON", ""})
    EXPECT_EQ(run(r, request(body, {{"accept", ok}})).status, 200) << ok;
  for (const char* refused :
       {"text/html", "application/xml, text/*", "application/json;q=0", "*/*; q=0.0"}) {
    auto res = run(r, request(body, {{"accept", refused}}));
    EXPECT_EQ(res.status, 406) << refused;
    EXPECT_NE(error_text(res).find("application/json"), std::string::npos);
  }
}

TEST_F(typed_handler, a_body_must_be_json_when_its_type_is_given) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  auto body = R"({"text":"a"})";
  for (const char* ok :
       {"application/json", "application/json; charset=utf-8", "application/vnd.x+json", ""})
    EXPECT_EQ(run(r, request(body, {{"content-type", ok}})).status, 200) << ok;
  for (const char* refused : {"text/plain", "application/x-www-form-urlencoded", "text/json"})
    EXPECT_EQ(run(r, request(body, {{"content-type", refused}})).status, 415) << refused;
  r.add<gw_touch>("POST", "/touch", "gwtest");
  EXPECT_EQ(run(r, request(" ", {{"content-type", "text/plain"}})).status, 400)
      << "no body, so no 415; but gw_touch needs its text";
}

TEST_F(typed_handler, empty_body_is_an_empty_object) {
  cleave::routes r;
  r.add<gw_hang>("GET", "/ping", "nobody");  // unknown component: answers at once
  auto res = run(r, request(""));
  EXPECT_EQ(res.status, 503) << res.body;
}

TEST_F(typed_handler, a_failed_call_answers_with_the_request_id_and_names_nothing) {
  cleave::routes r;
  r.add<gw_hang>("GET", "/ping", "nobody");
  auto req = request("");
  req.request_id = "r-503";
  auto res = run(r, req);
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(boost::json::parse(res.body),
            boost::json::parse(R"({"error":"service unavailable; the request was not applied, )"
                               R"(it may be retried","request_id":"r-503"})"));
}

TEST_F(typed_handler, a_client_error_of_the_call_keeps_its_text_and_gets_the_request_id) {
  cleave::routes r;
  r.add<gw_fail>("POST", "/fail", "gwtest");
  auto req = request(R"({"mode":"not_found"})");
  req.request_id = "r-404";
  auto res = run(r, req);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(boost::json::parse(res.body),
            boost::json::parse(R"({"error":"not_found: nothing here","request_id":"r-404"})"));
}

TEST_F(typed_handler, body_must_be_an_object) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  auto res = run(r, request(R"(["text"])"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(error_text(res),
            "invalid_argument: the document: expected a JSON object as the request body, found "
            "[\"text\"] (array)");
}

TEST_F(typed_handler, params_win_over_the_body_and_convert_to_the_fields_type) {
  cleave::routes r;
  r.add<gw_number>("POST", "/numbers/{n}", "gwtest");
  auto req = request(R"({"n":1,"flag":true})");
  req.params = {{"n", "-21"}};
  auto res = run(r, req);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"value":-42,"flag":true})");
  for (const char* bad : {"abc", "1.5", "", "99999999999", " 1", "0x10"}) {
    auto b = request("");
    b.params = {{"n", bad}};
    auto out = run(r, b);
    EXPECT_EQ(out.status, 400) << bad;
    EXPECT_NE(error_text(out).find("field \"n\""), std::string::npos) << error_text(out);
  }
}

TEST_F(typed_handler, boolean_and_string_params) {
  cleave::routes r;
  r.add<gw_number>("POST", "/numbers/{n}/{flag}", "gwtest");
  auto req = request("");
  req.params = {{"n", "1"}, {"flag", "true"}};
  EXPECT_EQ(run(r, req).body, R"({"value":2,"flag":true})");
  req.params = {{"n", "1"}, {"flag", "yes"}};
  auto res = run(r, req);
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(error_text(res).find("field \"flag\": expected a boolean"), std::string::npos)
      << error_text(res);
}

TEST_F(typed_handler, deadline_already_passed_is_504_without_a_call) {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  auto req = request(R"({"text":"a"})");
  req.deadline = std::chrono::steady_clock::now() - 1ms;
  req.request_id = "r-late";
  auto res = run(r, req);
  EXPECT_EQ(res.status, 504);
  EXPECT_EQ(boost::json::parse(res.body),
            boost::json::parse(R"({"error":"deadline exceeded; the request may have been )"
                               R"(applied","request_id":"r-late"})"));
}

}  // namespace
