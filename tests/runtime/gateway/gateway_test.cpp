// The gateway over real HTTP on 127.0.0.1: every status of the edge contract, middleware, config,
// error bodies and what they name, hostile clients (slow heads and bodies, idle connections at the
// connection cap, no Host), and a graceful stop.
#include "runtime/gateway/gateway.hpp"

#include <cctype>
#include <fstream>
#include <future>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <boost/json/parse.hpp>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/gateway/http_client.hpp"
#include "tests/runtime/gateway/test_gateway_components.hpp"

namespace {

using namespace gateway_test;
using cleave_test::free_port;
using namespace std::chrono_literals;

constexpr int64_t body_limit = 1024;

/// Stands in for the request-id middleware: X-Request-Id in, X-Request-Id out.
cleave::http_middleware echo_request_id() {
  return [](cleave::http_handler next) {
    return [next](cleave::http_request& req, cleave::http_respond respond) {
      req.request_id = req.header("x-request-id");
      next(req, [&req, respond](cleave::http_response res) {
        if (!req.request_id.empty()) res.headers.emplace_back("X-Request-Id", req.request_id);
        respond(std::move(res));
      });
    };
  };
}

/// Stands in for a deadline middleware: X-Deadline-Ms sets the request's deadline.
cleave::http_middleware deadline_from_header() {
  return [](cleave::http_handler next) {
    return [next](cleave::http_request& req, cleave::http_respond respond) {
      if (auto ms = req.header("x-deadline-ms"); !ms.empty())
        req.deadline = req.received + std::chrono::milliseconds(std::stoi(ms));
      next(req, std::move(respond));
    };
  };
}

/// Stands in for a faulty middleware: with X-Drop it neither answers nor passes the request on.
cleave::http_middleware drop_on_header() {
  return [](cleave::http_handler next) {
    return [next](cleave::http_request& req, cleave::http_respond respond) {
      if (!req.header("x-drop").empty()) return;  // `respond` goes unanswered
      next(req, std::move(respond));
    };
  };
}

cleave::routes test_routes() {
  cleave::routes r;
  r.add<gw_echo>("POST", "/echo", "gwtest");
  r.add<gw_get_item>("GET", "/items/{id}", "gwtest");
  r.add<gw_number>("GET", "/numbers/{n}", "gwtest");
  r.add<gw_get_item>("GET", "/items", "gwtest");  // ?id=...
  r.add<gw_number>("GET", "/numbers", "gwtest");  // ?n=...&flag=...
  r.add<gw_number>("POST", "/numbers/{n}", "gwtest");
  r.add<gw_fail>("POST", "/fail", "gwtest");
  r.add<gw_echo>("POST", "/echoes", "gwtest", cleave::created_at("/echoes/{by}/{text}"));
  r.add<gw_hang>("GET", "/hang", "gwtest", {100ms});
  r.add<gw_hang>("GET", "/hang-long", "gwtest", {3000ms});
  r.add<gw_hang>("GET", "/hang-1s", "gwtest", {1000ms});
  r.add<gw_touch>("POST", "/touch", "gwtest");
  r.add<gw_block>("GET", "/block", "gwtest");
  r.add<gw_echo>("POST", "/nobody", "no-such-component");
  r.add_raw("GET", "/raw/throw",
            [](cleave::http_request&) -> cleave::http_response { throw std::logic_error("oops"); });
  r.add_raw("GET", "/raw/hello/{name}", [](cleave::http_request& req) {
    cleave::http_response res;
    res.content_type = "text/plain";
    res.body = "hello " + req.params.at("name") + " via " + req.route;
    return res;
  });
  r.add_raw("GET", "/raw/block", [](cleave::http_request&) {
    block_gate().pass(std::chrono::seconds(10));
    return cleave::json_reply(200, R"({"raw":"unblocked"})");
  });
  r.use(echo_request_id());
  r.use(deadline_from_header());
  r.use(drop_on_header());
  // A factory sees the gateway's settings: here the raw "rate_limit" object and the bound port.
  r.middleware_factory([](const cleave::gateway_settings& s) {
    std::string limit =
        s.rate_limit ? std::to_string(s.rate_limit->at("burst").as_int64()) : std::string{"none"};
    std::string port = std::to_string(s.port);
    return std::vector<cleave::http_middleware>{[limit, port](cleave::http_handler next) {
      return [limit, port, next](cleave::http_request& req, cleave::http_respond respond) {
        next(req, [limit, port, respond](cleave::http_response res) {
          res.headers.emplace_back("X-Rate-Limit", limit);
          res.headers.emplace_back("X-Port", port);
          respond(std::move(res));
        });
      };
    }};
  });
  return r;
}

cleave::test_options gateway_options(uint16_t port, boost::json::object extra = {}) {
  cleave::test_options opts;
  boost::json::object cfg{{"listen", "127.0.0.1:" + std::to_string(port)},
                          {"body_limit_bytes", body_limit},
                          {"rate_limit", boost::json::object{{"rate", 100000}, {"burst", 50}}}};
  for (const auto& kv : extra) cfg[kv.key()] = kv.value();
  opts.configs["gateway"] = std::move(cfg);
  return opts;
}

std::unique_ptr<cleave::test_node> start(uint16_t port, boost::json::object extra = {},
                                         cleave::routes r = test_routes()) {
  return std::make_unique<cleave::test_node>(
      std::vector<cleave::component>{test_component(), cleave::gateway_component(std::move(r))},
      gateway_options(port, std::move(extra)));
}

/// Asserts an error answer: the status, a JSON body {"error": "...", "request_id": "..."} whose
/// error contains `text`.
void expect_error(const http_reply& res, int status, const std::string& text) {
  EXPECT_EQ(res.status, status) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/json");
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  ASSERT_FALSE(ec) << "error body is not JSON: " << res.body;
  ASSERT_TRUE(v.is_object() && v.as_object().size() == 2 && v.as_object().contains("error") &&
              v.as_object().at("error").is_string() && v.as_object().contains("request_id") &&
              v.as_object().at("request_id").is_string())
      << res.body;
  auto error = std::string{v.as_object().at("error").as_string()};
  EXPECT_NE(error.find(text), std::string::npos) << "error: " << error;
}

/// Asserts an error answer with exactly `message` and the request id `id` (body and header).
void expect_error_body(const http_reply& res, int status, const std::string& message,
                       const std::string& id) {
  EXPECT_EQ(res.status, status) << res.body;
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  ASSERT_FALSE(ec) << "error body is not JSON: " << res.body;
  EXPECT_EQ(v, (boost::json::object{{"error", message}, {"request_id", id}})) << res.body;
  EXPECT_EQ(res.header("x-request-id"), id);
}

/// The request id of an error body ("" if none).
std::string request_id_of(const http_reply& res) {
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("request_id")) return {};
  return std::string{v.as_object().at("request_id").as_string()};
}

/// The log lines (JSON objects, from stderr as captured) with "request_id" `id` that report an
/// error (the request log's line has no "error").
std::vector<boost::json::object> log_lines_of(const std::string& log, const std::string& id) {
  std::vector<boost::json::object> out;
  std::istringstream in{log};
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (!ec && v.is_object() && v.as_object().contains("request_id") &&
        v.as_object().at("request_id") == id.c_str() && v.as_object().contains("error"))
      out.push_back(v.as_object());
  }
  return out;
}

/// A request on a raw connection: `GET target` with Host and the given id.
std::string raw_get(const std::string& target, const std::string& id = "raw") {
  return "GET " + target + " HTTP/1.1\r\nHost: gw.test\r\nX-Request-Id: " + id + "\r\n\r\n";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class gateway : public ::testing::Test {
 protected:
  uint16_t port = free_port();
  std::unique_ptr<cleave::test_node> node = start(port);
};

// -- 200 ------------------------------------------------------------------------------------------

TEST_F(gateway, healthz_is_built_in) {
  auto res = get(port, "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"ok"})");
}

TEST_F(gateway, typed_round_trip) {
  auto res = post(port, "/echo", R"({"text":"hi","times":3})");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.body, R"({"text":"hihihi","by":"gwtest","request_id":""})");
}

TEST_F(gateway, a_typed_routes_call_counts_from_the_gateway_on_the_call_graph) {
  auto calls_from_gateway = [] {
    for (const auto& e : cleave::detail::call_edges_snapshot())
      if (e.caller == "gateway" && e.callee == "gwtest") return e.calls;
    return uint64_t{0};
  };
  auto before = calls_from_gateway();
  EXPECT_EQ(post(port, "/echo", R"({"text":"hi","times":1})").status, 200);
  EXPECT_EQ(calls_from_gateway(), before + 1);
}

TEST_F(gateway, path_param_fills_a_string_field) {
  auto res = get(port, "/items/d%201");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"text":"item d 1","by":"gwtest","request_id":""})");
}

TEST_F(gateway, path_param_fills_an_integer_field_and_wins_over_the_body) {
  auto res = get(port, "/numbers/21");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"value":42,"flag":false})");
  auto posted = post(port, "/numbers/5", R"({"n":1000,"flag":true})");
  EXPECT_EQ(posted.body, R"({"value":10,"flag":true})");
}

TEST_F(gateway, query_parameters_fill_fields_as_strictly_as_a_body) {
  auto res = get(port, "/items?id=d%201");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"text":"item d 1","by":"gwtest","request_id":""})");
  auto plus = get(port, "/items?id=a+b");
  EXPECT_EQ(plus.body, R"({"text":"item a b","by":"gwtest","request_id":""})");
  auto typed = get(port, "/numbers?n=21&flag=true");
  EXPECT_EQ(typed.status, 200) << typed.body;
  EXPECT_EQ(typed.body, R"({"value":42,"flag":true})");
  expect_error(get(port, "/items?id=a&user=b"), 400,
               R"(invalid_argument: query parameter "user" is not a field of gw_get_item)");
  expect_error(get(port, "/items?id=a&id=b"), 400, R"(invalid_argument: field "id" appears twice)");
  expect_error(get(port, "/numbers/5?n=3"), 400, R"(invalid_argument: field "n" appears twice)");
  // (Both said `found ["two"] (array)` before: the text was wrapped in an array by mistake.)
  expect_error(get(port, "/numbers/two"), 400,
               R"(invalid_argument: field "n": expected an integer (path segment), )"
               R"(found "two" (string))");
  expect_error(get(port, "/numbers?n=two"), 400,
               R"(invalid_argument: field "n": expected an integer (query parameter), )"
               R"(found "two" (string))");
}

TEST_F(gateway, a_creating_route_answers_201_with_the_location_of_what_it_made) {
  auto res = post(port, "/echoes", R"({"text":"x/y z"})");
  EXPECT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.header("location"), "/echoes/gwtest/x%2Fy%20z");
  EXPECT_EQ(boost::json::parse(res.body).at("text"), "x/y z");
  auto failed = post(port, "/echoes", R"({"text":1})");
  EXPECT_EQ(failed.status, 400) << failed.body;
  EXPECT_EQ(failed.header("location"), "") << "no Location on failure";
}

TEST_F(gateway, a_body_is_as_strict_as_a_placement_file) {
  expect_error(post(port, "/echo", R"({"text":"a","times":2,"text":"b"})"), 400,
               R"(invalid_argument: field "text" appears twice)");
  expect_error(post(port, "/echo", R"({"text":"a","times":2.0})"), 400,
               R"(invalid_argument: field "times": expected an integer (no fraction or exponent), )"
               R"(found 2.0 (number))");
  expect_error(post(port, "/echo", R"({"text":"a","times":1e1})"), 400,
               R"(field "times": expected an integer (no fraction or exponent), found 10.0)");
  auto fine = post(port, "/echo", R"({"text":"a","times":2})");
  EXPECT_EQ(fine.status, 200) << fine.body;
}

TEST_F(gateway, void_response_is_200_with_an_empty_object) {
  auto res = post(port, "/touch", R"({"text":"x"})");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{}");
}

TEST_F(gateway, raw_handler_answers_itself) {
  auto res = get(port, "/raw/hello/bob");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "text/plain");
  EXPECT_EQ(res.body, "hello bob via /raw/hello/{name}");
}

TEST_F(gateway, request_id_reaches_the_component) {
  http_call c;
  c.method = "POST";
  c.target = "/echo";
  c.body = R"({"text":"x"})";
  c.headers = {{"X-Request-Id", "req-77"}};
  auto res = http(port, c);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"text":"x","by":"gwtest","request_id":"req-77"})");
  EXPECT_EQ(res.header("x-request-id"), "req-77");
}

TEST_F(gateway, middleware_factory_sees_the_config_and_wraps_every_answer) {
  auto ok = get(port, "/healthz");
  EXPECT_EQ(ok.header("x-rate-limit"), "50");
  EXPECT_EQ(ok.header("x-port"), std::to_string(port));
  auto missing = get(port, "/nowhere");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("x-rate-limit"), "50") << "404s go through the middleware too";
}

TEST_F(gateway, connection_is_kept_alive_between_requests) {
  // Poco's client reuses its connection when the server keeps it: two requests, one session.
  Poco::Net::HTTPClientSession session{"127.0.0.1", port};
  session.setTimeout(Poco::Timespan(10, 0));
  session.setKeepAlive(true);
  for (int i = 0; i < 2; ++i) {
    Poco::Net::HTTPRequest req{"GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1};
    session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    auto& is = session.receiveResponse(res);
    std::string body{std::istreambuf_iterator<char>(is), {}};
    EXPECT_EQ(res.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
    EXPECT_TRUE(res.getKeepAlive());
  }
}

TEST_F(gateway, serves_many_keep_alive_clients_at_once) {
  // Many clients, each keeping its connection: none may starve.
  constexpr int clients = 48;
  constexpr int requests = 10;
  std::vector<std::future<int>> done;
  done.reserve(clients);
  for (int i = 0; i < clients; ++i)
    done.push_back(std::async(std::launch::async, [this, i] {
      Poco::Net::HTTPClientSession session{"127.0.0.1", port};
      session.setTimeout(Poco::Timespan(10, 0));
      session.setKeepAlive(true);
      int ok = 0;
      for (int k = 0; k < requests; ++k) {
        Poco::Net::HTTPRequest req{"POST", "/echo", Poco::Net::HTTPMessage::HTTP_1_1};
        std::string body = R"({"text":")" + std::to_string(i) + "-" + std::to_string(k) + R"("})";
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(req) << body;
        Poco::Net::HTTPResponse res;
        auto& is = session.receiveResponse(res);
        std::string got{std::istreambuf_iterator<char>(is), {}};
        if (res.getStatus() == Poco::Net::HTTPResponse::HTTP_OK &&
            got.find(std::to_string(i) + "-" + std::to_string(k)) != std::string::npos)
          ++ok;
      }
      return ok;
    }));
  for (auto& f : done) {
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(f.get(), requests);
  }
}

// -- 4xx ------------------------------------------------------------------------------------------

TEST_F(gateway, malformed_json_is_400) {
  expect_error(post(port, "/echo", R"({"text": )"), 400, "malformed JSON");
}

TEST_F(gateway, wrong_field_type_is_400_naming_the_field) {
  expect_error(post(port, "/echo", R"({"text":"a","times":"two"})"), 400,
               "field \"times\": expected an integer");
}

TEST_F(gateway, unknown_and_missing_fields_are_400_naming_the_field) {
  expect_error(post(port, "/echo", R"({"text":"a","tmes":2})"), 400, "field \"tmes\"");
  expect_error(post(port, "/echo", R"({})"), 400, "field \"text\" is required");
}

TEST_F(gateway, bad_integer_in_the_path_is_400_naming_the_field) {
  expect_error(get(port, "/numbers/abc"), 400, "field \"n\": expected an integer");
}

TEST_F(gateway, unknown_path_is_404) {
  expect_error(get(port, "/no/such/path"), 404, "/no/such/path");
}

TEST_F(gateway, unknown_path_with_a_body_is_404_and_the_connection_survives) {
  expect_error(post(port, "/nowhere", R"({"a":1})"), 404, "no route");
}

TEST_F(gateway, other_method_on_a_known_path_is_405_with_allow) {
  http_call c;
  c.method = "DELETE";
  c.target = "/numbers/3";
  auto res = http(port, c);
  expect_error(res, 405, "DELETE");
  EXPECT_EQ(res.header("allow"), "GET, POST");
}

TEST_F(gateway, non_json_body_is_415) {
  http_call c;
  c.method = "POST";
  c.target = "/echo";
  c.body = "text=hi";
  c.content_type = "application/x-www-form-urlencoded";
  expect_error(http(port, c), 415, "application/x-www-form-urlencoded");
}

TEST_F(gateway, accept_excluding_json_is_406) {
  http_call c;
  c.method = "POST";
  c.target = "/echo";
  c.body = R"({"text":"a"})";
  c.headers = {{"Accept", "text/html"}};
  expect_error(http(port, c), 406, "text/html");
  c.headers = {{"Accept", "text/html, */*;q=0.5"}};
  EXPECT_EQ(http(port, c).status, 200);
}

TEST_F(gateway, body_over_the_limit_is_413_by_its_content_length) {
  auto res = post(port, "/echo", R"({"text":")" + std::string(body_limit, 'x') + R"("})");
  expect_error(res, 413, std::to_string(body_limit));
}

TEST_F(gateway, body_over_the_limit_is_refused_before_it_is_sent) {
  http_call c;
  c.method = "POST";
  c.target = "/echo";
  c.body = R"({"text":")" + std::string(body_limit, 'x') + R"("})";
  c.expect_continue = true;
  auto t0 = std::chrono::steady_clock::now();
  expect_error(http(port, c), 413, std::to_string(body_limit));
  EXPECT_FALSE(c.body_sent) << "the server said 100 Continue to a body it refuses";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "the server waited for the body";
  c.body = R"({"text":"small"})";
  EXPECT_EQ(http(port, c).status, 200);
  EXPECT_TRUE(c.body_sent);
}

TEST_F(gateway, chunked_body_over_the_limit_is_413_while_reading) {
  http_call c;
  c.method = "POST";
  c.target = "/echo";
  c.body = R"({"text":")" + std::string(body_limit * 3, 'x') + R"("})";
  c.chunked = true;
  expect_error(http(port, c), 413, std::to_string(body_limit));
  c.body = R"({"text":"small"})";
  EXPECT_EQ(http(port, c).status, 200) << "a chunked body within the limit is fine";
}

TEST_F(gateway, component_errors_map_to_their_status) {
  expect_error(post(port, "/fail", R"({"mode":"not_found"})"), 404, "not_found: nothing here");
  expect_error(post(port, "/fail", R"({"mode":"invalid_argument"})"), 400, "bad \"thing\"");
  expect_error(post(port, "/fail", R"({"mode":"already_exists"})"), 409, "there already");
  expect_error(post(port, "/fail", R"({"mode":"failed_precondition"})"), 409,
               "failed_precondition: sold out");
  expect_error(post(port, "/fail", R"({"mode":"permission_denied"})"), 403,
               "permission_denied: not yours");
  expect_error(post(port, "/fail", R"({"mode":"unauthenticated"})"), 401,
               "unauthenticated: who are you?");
  expect_error(post(port, "/fail", R"({"mode":"resource_exhausted"})"), 429,
               "resource_exhausted: quota used up");
  expect_error(post(port, "/fail", R"({"mode":"app"})"), 422, "too_sweet: less sugar");
  expect_error(post(port, "/fail", R"({"mode":"unavailable"})"), 503,
               "service unavailable; the request was not applied, it may be retried");
  expect_error(post(port, "/fail", R"({"mode":"deadline_exceeded"})"), 504,
               "deadline exceeded; the request may have been applied");
  expect_error(post(port, "/fail", R"({"mode":"outcome_unknown"})"), 504,
               "outcome unknown; the request may have been applied");
}

// -- 5xx ------------------------------------------------------------------------------------------

TEST_F(gateway, component_not_in_the_placement_is_503) {
  auto res = post(port, "/nobody", R"({"text":"a"})");
  expect_error(res, 503, "service unavailable");
  EXPECT_EQ(res.body.find("no-such-component"), std::string::npos) << res.body;
}

TEST_F(gateway, component_that_never_answers_is_504_at_the_route_timeout) {
  auto t0 = std::chrono::steady_clock::now();
  auto res = get(port, "/hang");
  auto took = std::chrono::steady_clock::now() - t0;
  expect_error(res, 504, "deadline exceeded");
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 2s);
}

TEST_F(gateway, request_deadline_cuts_the_route_timeout) {
  http_call c;
  c.target = "/hang-long";
  c.headers = {{"X-Deadline-Ms", "150"}};
  auto t0 = std::chrono::steady_clock::now();
  auto res = http(port, c);
  expect_error(res, 504, "deadline exceeded");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "the route's timeout is 3 s";
}

TEST_F(gateway, handler_that_throws_is_500) {
  expect_error(post(port, "/fail", R"({"mode":"throw"})"), 500, "internal error");
  expect_error(get(port, "/raw/throw"), 500, "internal error");
  EXPECT_EQ(get(port, "/healthz").status, 200) << "the gateway lives on";
}

TEST_F(gateway, request_nobody_answers_is_500_not_a_hang) {
  http_call c;
  c.target = "/healthz";
  c.headers = {{"X-Drop", "1"}};
  expect_error(http(port, c), 500, "internal error");
  EXPECT_EQ(get(port, "/healthz").status, 200) << "the gateway lives on";
}

TEST_F(gateway, malformed_request_is_400) {
  Poco::Net::StreamSocket socket{Poco::Net::SocketAddress{"127.0.0.1", port}};
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string garbage = "NOT AN HTTP REQUEST\r\n\r\n";
  socket.sendBytes(garbage.data(), static_cast<int>(garbage.size()));
  std::string answer;
  char buf[1024];
  for (int n; (n = socket.receiveBytes(buf, sizeof(buf))) > 0;) answer.append(buf, n);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("malformed request"), std::string::npos) << answer;
  EXPECT_EQ(get(port, "/healthz").status, 200) << "the gateway lives on";
}

TEST_F(gateway, a_blocked_raw_route_holds_up_no_other_request) {
  // Raw handlers may block (a readiness check does); they run off the I/O thread.
  block_gate().reset();
  auto blocked = std::async(std::launch::async, [this] { return get(port, "/raw/block"); });
  ASSERT_TRUE(block_gate().wait_held(1, 5s)) << "the raw route did not start";
  EXPECT_EQ(post(port, "/echo", R"({"text":"a"})").status, 200);
  EXPECT_EQ(get(port, "/healthz").status, 200);
  block_gate().open();
  auto res = blocked.get();
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"raw":"unblocked"})");
}

// -- the connection cap and timeouts: hostile clients
// ----------------------------------------------

TEST(gateway_connections, at_the_cap_the_longest_idle_connection_makes_room_for_a_new_one) {
  auto port = free_port();
  // Idle connections are not closed by their timeout during the test.
  auto node = start(port, {{"max_connections", 4}, {"idle_timeout_ms", 60000}});
  std::vector<std::unique_ptr<raw_client>> kept;
  for (int i = 0; i < 4; ++i) {
    kept.push_back(std::make_unique<raw_client>(port));
    ASSERT_TRUE(kept.back()->send(raw_get("/healthz")));
    ASSERT_EQ(kept.back()->read_reply(5s).status, 200) << i;
  }
  // Four kept-alive connections wait for their next request: the cap is reached.
  raw_client late{port};
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(late.send(raw_get("/healthz")));
  auto res = late.read_reply(5s);
  EXPECT_EQ(res.status, 200) << "a new client waited behind idle connections";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(kept[0]->closed_within(5s)) << "the longest idle connection was not the one closed";
  for (int i = 1; i < 4; ++i) {
    ASSERT_TRUE(kept[i]->send(raw_get("/healthz"))) << i;
    EXPECT_EQ(kept[i]->read_reply(5s).status, 200) << "connection " << i << " was closed too";
  }
}

TEST(gateway_connections, at_the_cap_connections_with_a_request_in_flight_keep_their_places) {
  auto port = free_port();
  auto node = start(port, {{"max_connections", 4}, {"idle_timeout_ms", 60000}});
  int before = hung_requests();
  std::vector<std::unique_ptr<raw_client>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<raw_client>(port));
    ASSERT_TRUE(busy.back()->send(raw_get("/hang-1s", "busy-" + std::to_string(i))));
  }
  // Each of the four places has a request in flight (answered 504 after 1 s).
  ASSERT_TRUE(poll_until(5s, [&] { return hung_requests() >= before + 4; }));
  raw_client late{port};
  ASSERT_TRUE(late.send(raw_get("/healthz", "late")));
  EXPECT_FALSE(late.readable_within(300ms))
      << "a fifth connection was served while four requests were in flight";
  for (int i = 0; i < 4; ++i) {
    auto res = busy[i]->read_reply(5s);
    expect_error_body(res, 504, "deadline exceeded; the request may have been applied",
                      "busy-" + std::to_string(i));
  }
  // Answered, the four wait for their next requests: one of them makes room.
  auto res = late.read_reply(5s);
  EXPECT_EQ(res.status, 200) << "the waiting client was not served once a place was free";
}

TEST(gateway_connections, a_connection_waiting_for_a_request_is_closed_at_the_idle_timeout) {
  auto port = free_port();
  auto node = start(port, {{"idle_timeout_ms", 300}});
  raw_client kept{port};
  ASSERT_TRUE(kept.send(raw_get("/healthz")));
  ASSERT_EQ(kept.read_reply(5s).status, 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(kept.closed_within(5s)) << "a kept-alive connection outlived the idle timeout";
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  raw_client silent{port};
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_within(5s)) << "a connection that sent nothing outlived the timeout";
  EXPECT_GE(std::chrono::steady_clock::now() - t1, 250ms);
}

TEST(gateway_timeouts, a_head_trickled_byte_by_byte_gets_408_at_the_header_timeout) {
  auto port = free_port();
  auto node = start(port, {{"header_timeout_ms", 300}});
  raw_client c{port};
  // Each byte comes well within any per-read timeout; the whole head would take ~2 s.
  std::string head =
      "GET /healthz HTTP/1.1\r\nHost: gw.test\r\nX-Slow: " + std::string(80, 'a') + "\r\n\r\n";
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.trickle(head, 20ms)) << "the whole head was taken";
  auto res = c.read_reply(5s);
  auto took = std::chrono::steady_clock::now() - t0;
  expect_error(res, 408, "the request head did not arrive within 300 ms");
  EXPECT_EQ(lower(res.header("connection")), "close");
  auto id = request_id_of(res);
  EXPECT_EQ(id.size(), 16u) << res.body;
  EXPECT_EQ(res.header("x-request-id"), id);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 300ms + 1500ms);
  EXPECT_TRUE(c.closed_within(5s));
}

TEST(gateway_timeouts, the_header_timeout_counts_from_the_first_byte_not_from_idle_time) {
  auto port = free_port();
  auto node = start(port, {{"header_timeout_ms", 300}, {"idle_timeout_ms", 10000}});
  raw_client c{port};
  // Idle longer than the header timeout: the connection is kept...
  EXPECT_FALSE(c.readable_within(500ms)) << "an idle connection was answered or closed";
  // ...and a request that then comes at once is served.
  ASSERT_TRUE(c.send(raw_get("/healthz")));
  EXPECT_EQ(c.read_reply(5s).status, 200);
}

TEST(gateway_timeouts, a_chunked_body_trickled_byte_by_byte_gets_408_at_the_body_timeout) {
  auto port = free_port();
  auto node = start(port, {{"body_timeout_ms", 300}});
  raw_client c{port};
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\nX-Request-Id: slow-body\r\n\r\n"));
  auto t0 = std::chrono::steady_clock::now();
  // One byte per chunk, one byte every 20 ms: ~2 s for the body, each read well within 300 ms.
  std::string chunks;
  for (char ch : std::string{R"({"text":"slow"})"}) chunks += std::string{"1\r\n"} + ch + "\r\n";
  chunks += "0\r\n\r\n";
  EXPECT_FALSE(c.trickle(chunks, 20ms)) << "the whole body was taken";
  auto res = c.read_reply(5s);
  auto took = std::chrono::steady_clock::now() - t0;
  expect_error_body(res, 408, "the request body did not arrive within 300 ms", "slow-body");
  EXPECT_EQ(lower(res.header("connection")), "close");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 300ms + 1500ms);
  EXPECT_TRUE(c.closed_within(5s));
}

TEST(gateway_timeouts, a_body_that_comes_in_time_is_served) {
  auto port = free_port();
  auto node = start(port, {{"body_timeout_ms", 2000}, {"header_timeout_ms", 2000}});
  raw_client c{port};
  std::string body = R"({"text":"in time"})";
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/json\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_TRUE(c.trickle(body, 10ms));
  auto res = c.read_reply(5s);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"text":"in time","by":"gwtest","request_id":""})");
}

TEST_F(gateway, pipelined_requests_are_answered_in_order) {
  // Both heads come in one segment: the second is parsed from what was read with the first.
  raw_client c{port};
  std::string body = R"({"text":"second"})";
  ASSERT_TRUE(c.send(raw_get("/items/first") +
                     "POST /echo HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  auto first = c.read_reply(5s);
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, R"({"text":"item first","by":"gwtest","request_id":"raw"})");
  auto second = c.read_reply(5s);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.body, R"({"text":"second","by":"gwtest","request_id":""})");
}

// -- Host -----------------------------------------------------------------------------------------

TEST_F(gateway, http11_request_without_host_is_400_and_closes) {
  raw_client c{port};
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nX-Request-Id: no-host\r\n\r\n"));
  auto res = c.read_reply(5s);
  expect_error_body(res, 400, "an HTTP/1.1 request needs a Host header", "no-host");
  EXPECT_EQ(lower(res.header("connection")), "close");
  EXPECT_TRUE(c.closed_within(5s));
  raw_client twice{port};
  ASSERT_TRUE(twice.send("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
  expect_error(twice.read_reply(5s), 400, "one Host header");
}

TEST_F(gateway, http10_request_without_host_is_served) {
  raw_client c{port};
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\n\r\n"));
  auto res = c.read_reply(5s);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"status":"ok"})");
}

// -- what error bodies name -----------------------------------------------------------------------

TEST_F(gateway, runtime_errors_name_nothing_internal_and_log_the_detail_with_the_request_id) {
  struct failure {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
    std::string message;
    /// In the log line's "error".
    std::string detail;
  };
  const std::string unavailable =
      "service unavailable; the request was not applied, it may be retried";
  std::vector<failure> failures{
      {"POST", "/fail", R"({"mode":"unavailable_remote"})", {}, 503, unavailable, remote_failure},
      {"POST", "/nobody", R"({"text":"a"})", {}, 503, unavailable, "no-such-component"},
      {"GET",
       "/hang",
       "",
       {},
       504,
       "deadline exceeded; the request may have been applied",
       "gwtest.gw_hang"},
      {"POST",
       "/fail",
       R"({"mode":"outcome_unknown"})",
       {},
       504,
       "outcome unknown; the request may have been applied",
       "connection lost after sending"},
      {"POST", "/fail", R"({"mode":"throw"})", {}, 500, "internal error", "boom"},
      {"GET", "/raw/throw", "", {}, 500, "internal error", "oops"},
      {"GET",
       "/healthz",
       "",
       {{"X-Drop", "1"}},
       500,
       "internal error",
       "dropped the request without answering"},
  };
  for (size_t i = 0; i < failures.size(); ++i) {
    const auto& f = failures[i];
    auto id = "failure-" + std::to_string(i);
    http_call c;
    c.method = f.method;
    c.target = f.target;
    c.body = f.body;
    c.headers = f.headers;
    c.headers.emplace_back("X-Request-Id", id);
    testing::internal::CaptureStderr();
    auto res = http(port, c);
    auto log = testing::internal::GetCapturedStderr();
    SCOPED_TRACE(f.target + " " + f.body);
    expect_error_body(res, f.status, f.message, id);
    for (const std::string& internal :
         {std::string{"127.0.0.1"}, std::to_string(port), std::string{"7263"},
          std::string{"inventory"}, std::string{"node"}, std::string{"gwtest"},
          std::string{"no-such-component"}})
      EXPECT_EQ(res.body.find(internal), std::string::npos) << internal << " in " << res.body;
    auto lines = log_lines_of(log, id);
    ASSERT_EQ(lines.size(), 1u) << "one log line per error, with its request id:\n" << log;
    EXPECT_EQ(lines[0].at("level"), f.status == 500 ? "error" : "warning");
    EXPECT_EQ(lines[0].at("status"), f.status);
    auto error = std::string{lines[0].at("error").as_string()};
    EXPECT_NE(error.find(f.detail), std::string::npos) << error;
  }
}

TEST(gateway_errors, expose_errors_puts_the_detail_in_the_body) {
  auto port = free_port();
  auto node = start(port, {{"expose_errors", true}});
  http_call c;
  c.method = "POST";
  c.target = "/fail";
  c.body = R"({"mode":"unavailable_remote"})";
  c.headers = {{"X-Request-Id", "exposed"}};
  expect_error_body(http(port, c), 503, std::string{"unavailable: "} + remote_failure, "exposed");
  c.body = R"({"mode":"throw"})";
  expect_error(http(port, c), 500, "internal: handler threw: boom");
}

TEST_F(gateway, public_readyz_names_nothing) {
  // The routes call "no-such-component", which is nowhere: not ready.
  http_call c;
  c.target = "/readyz";
  c.headers = {{"X-Request-Id", "probe-1"}};
  testing::internal::CaptureStderr();
  auto res = http(port, c);
  auto log = testing::internal::GetCapturedStderr();
  expect_error_body(res, 503, "not ready", "probe-1");
  auto lines = log_lines_of(log, "probe-1");
  ASSERT_EQ(lines.size(), 1u) << log;
  auto error = std::string{lines[0].at("error").as_string()};
  EXPECT_NE(error.find("no-such-component"), std::string::npos) << error;
}

TEST(gateway_errors, readyz_detail_names_what_cannot_be_reached) {
  auto port = free_port();
  auto node = start(port, {{"readyz_detail", true}});
  auto res = get(port, "/readyz");
  expect_error(res, 503, "not ready: unknown_component: no component named \"no-such-component\"");
}

// -- config ---------------------------------------------------------------------------------------

std::string start_failure(boost::json::object config) {
  cleave::test_options opts;
  opts.configs["gateway"] = std::move(config);
  try {
    cleave::test_node n{{test_component(), cleave::gateway_component(test_routes())}, opts};
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(started)";
}

TEST(gateway_start,
     no_port_opens_until_every_other_component_started_and_a_failed_start_opens_none) {
  auto port = free_port();
  block_gate().reset();
  // Starts slowly, then fails: as a component whose database is unreachable would.
  auto failing = cleave::component::make<>(
      "slow-starter",
      [](caf::event_based_actor*, const cleave::component_context&) -> caf::behavior {
        block_gate().pass(10s);
        throw std::runtime_error("cannot open its database");
      });
  std::promise<std::string> outcome;
  std::thread starter([&] {
    try {
      cleave::test_node node{{test_component(), failing, cleave::gateway_component(test_routes())},
                             gateway_options(port)};
      outcome.set_value("started");
    } catch (const std::runtime_error& e) {
      outcome.set_value(e.what());
    }
  });
  auto listening = [&] {
    try {
      raw_client probe{port};
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  };
  ASSERT_TRUE(block_gate().wait_held(1, 5s)) << "the slow component never started starting";
  // The gateway would have opened its port within a few ms of being spawned: watch for 300 ms.
  EXPECT_FALSE(poll_until(300ms, listening, 20ms))
      << "the gateway listens while another component of its node is still starting";
  block_gate().open();
  auto result = outcome.get_future();
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
  starter.join();
  EXPECT_EQ(result.get(),
            "test_node: internal: slow-starter failed to start: cannot open its database");
  EXPECT_FALSE(listening()) << "a node that failed to start serves nothing";
  block_gate().reset();
}

TEST(gateway_config, refuses_unknown_missing_and_mistyped_keys_naming_them) {
  auto listen = "127.0.0.1:" + std::to_string(free_port());
  auto unknown = start_failure({{"listen", listen}, {"bogus", 1}});
  EXPECT_NE(unknown.find("components.gateway.config.bogus: unknown key, expected one of "
                         "\"listen\", \"body_limit_bytes\", "),
            std::string::npos)
      << unknown;
  auto typo = start_failure({{"listen", listen}, {"max_conections", 8}});
  EXPECT_NE(typo.find("; did you mean \"max_connections\"?"), std::string::npos) << typo;
  auto missing = start_failure({});
  EXPECT_NE(missing.find("field \"listen\" is required"), std::string::npos) << missing;
  auto mistyped = start_failure({{"listen", listen}, {"max_connections", "many"}});
  EXPECT_NE(mistyped.find("field \"max_connections\": expected an integer"), std::string::npos)
      << mistyped;
  auto range = start_failure({{"listen", listen}, {"max_connections", 0}});
  EXPECT_NE(range.find("components.gateway.config.max_connections: expected 1..1000000, found 0"),
            std::string::npos)
      << range;
  auto not_object = start_failure({{"listen", listen}, {"request_log", true}});
  EXPECT_NE(not_object.find("components.gateway.config.request_log: expected an object"),
            std::string::npos)
      << not_object;
  auto renamed = start_failure({{"listen", listen}, {"read_timeout_ms", 1000}});
  EXPECT_NE(renamed.find("config.read_timeout_ms: unknown key"), std::string::npos)
      << "replaced by header_timeout_ms, body_timeout_ms and idle_timeout_ms: " << renamed;
  for (const char* key :
       {"header_timeout_ms", "body_timeout_ms", "idle_timeout_ms", "write_timeout_ms"}) {
    auto zero = start_failure({{"listen", listen}, {key, 0}});
    EXPECT_NE(zero.find(std::string{"components.gateway.config."} + key +
                        ": expected 1..3600000, found 0"),
              std::string::npos)
        << zero;
  }
  auto flag = start_failure({{"listen", listen}, {"expose_errors", "yes"}});
  EXPECT_NE(flag.find("field \"expose_errors\": expected a boolean"), std::string::npos) << flag;
  auto bad_listen = start_failure({{"listen", "localhost"}});
  EXPECT_NE(bad_listen.find("config.listen: expected \"host:port\", found \"localhost\""),
            std::string::npos)
      << bad_listen;
}

// The keys the gateway's unknown-key error lists are the keys of docs/http-edge.md's table, no
// more and no fewer: a documented key that does nothing, or one nobody can find, fails here.
TEST(gateway_config, every_key_is_in_docs_http_edge_md) {
  auto listen = "127.0.0.1:" + std::to_string(free_port());
  auto refusal = start_failure({{"listen", listen}, {"bogus", 1}});
  auto list_at = refusal.find("expected one of ");
  ASSERT_NE(list_at, std::string::npos) << refusal;
  std::set<std::string> known;
  std::regex quoted{R"re("([a-z_]+)")re"};
  auto list = refusal.substr(list_at);
  for (std::sregex_iterator i{list.begin(), list.end(), quoted}, end; i != end; ++i)
    known.insert((*i)[1]);
  std::ifstream doc{std::string{CLEAVE_SOURCE_DIR} + "/docs/http-edge.md"};
  ASSERT_TRUE(doc) << "docs/http-edge.md not found";
  std::set<std::string> documented;
  bool in_keys = false;
  std::regex row{R"re(^\| `([a-z_]+)` \|)re"};
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("## ", 0) == 0) in_keys = line == "## Config keys";
    std::smatch m;
    if (in_keys && std::regex_search(line, m, row)) documented.insert(m[1]);
  }
  EXPECT_GE(known.size(), 14U) << refusal;
  EXPECT_EQ(documented, known) << refusal;
}

TEST(gateway_config, port_in_use_fails_the_start) {
  auto port = free_port();
  auto first = start(port);
  auto second = start_failure({{"listen", "127.0.0.1:" + std::to_string(port)}});
  EXPECT_NE(second.find("cannot listen on 127.0.0.1:" + std::to_string(port) +
                        ": Address already in use (placement: components.gateway.config.listen)"),
            std::string::npos)
      << second;
}

TEST(gateway_config, defaults_and_claimed_keys) {
  cleave::routes r;
  r.config_key("circuit_breaker");
  auto s = cleave::decode_gateway_settings(
      "gateway",
      {{"listen", "[::1]:8080"}, {"circuit_breaker", boost::json::object{{"failures", 5}}}}, r,
      1234ms);
  ASSERT_TRUE(s) << cleave::describe(s.error());
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 8080);
  EXPECT_EQ(s->body_limit_bytes, 1024u * 1024u);
  EXPECT_EQ(s->timeout, 1234ms) << "the placement's default call deadline";
  EXPECT_EQ(s->max_connections, 1024);
  EXPECT_EQ(s->drain_timeout, 5000ms);
  EXPECT_EQ(s->header_timeout, 10000ms);
  EXPECT_EQ(s->body_timeout, 30000ms);
  EXPECT_EQ(s->idle_timeout, 10000ms);
  EXPECT_EQ(s->write_timeout, 10000ms);
  EXPECT_FALSE(s->expose_errors);
  EXPECT_FALSE(s->readyz_detail);
  EXPECT_FALSE(s->rate_limit);
  EXPECT_EQ(s->extensions.at("circuit_breaker").at("failures").as_int64(), 5);
  auto set = cleave::decode_gateway_settings("gateway",
                                             {{"listen", "127.0.0.1:8080"},
                                              {"header_timeout_ms", 1},
                                              {"body_timeout_ms", 2},
                                              {"idle_timeout_ms", 3},
                                              {"write_timeout_ms", 4},
                                              {"expose_errors", true},
                                              {"readyz_detail", true}},
                                             r, 1234ms);
  ASSERT_TRUE(set) << cleave::describe(set.error());
  EXPECT_EQ(set->header_timeout, 1ms);
  EXPECT_EQ(set->body_timeout, 2ms);
  EXPECT_EQ(set->idle_timeout, 3ms);
  EXPECT_EQ(set->write_timeout, 4ms);
  EXPECT_TRUE(set->expose_errors);
  EXPECT_TRUE(set->readyz_detail);
  auto unclaimed = cleave::decode_gateway_settings(
      "gateway", {{"listen", "[::1]:8080"}, {"circuit_breaker", boost::json::object{}}},
      cleave::routes{}, 1234ms);
  EXPECT_FALSE(unclaimed);
}

TEST(gateway_config, timeout_ms_is_the_routes_default_deadline) {
  auto port = free_port();
  cleave::routes r;
  r.add<gw_hang>("GET", "/hang", "gwtest");
  auto node = start(port, {{"timeout_ms", 100}}, std::move(r));
  auto t0 = std::chrono::steady_clock::now();
  expect_error(get(port, "/hang"), 504, "deadline exceeded");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "the placement's default is 2 s";
}

// -- stop -----------------------------------------------------------------------------------------

TEST(gateway_stop, request_in_flight_when_the_node_stops_completes) {
  auto port = free_port();
  auto node = start(port, {{"drain_timeout_ms", 5000}});
  block_gate().reset();
  auto in_flight = std::async(std::launch::async, [port] { return get(port, "/block"); });
  ASSERT_TRUE(block_gate().wait_held(1, 5s)) << "the request did not reach the component";
  // Stopping, the gateway refuses new connections first, then waits for the request: the gate
  // opens once connections are refused (or after 5 s, so that nothing hangs).
  auto opener = std::async(std::launch::async, [port] {
    bool refused = poll_until(5s, [port] { return !cleave_test::accepts_connections(port); });
    block_gate().open();
    return refused;
  });
  // CAF 0.17 deadlocks when an actor system is destroyed on another thread than the one that
  // made it (its logger stays referenced by the maker's thread): stop on this thread.
  auto t0 = std::chrono::steady_clock::now();
  node.reset();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(opener.get()) << "the gateway still accepted connections while stopping";
  ASSERT_EQ(in_flight.wait_for(10s), std::future_status::ready);
  auto res = in_flight.get();
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"text":"unblocked","by":"gwtest","request_id":""})");
  auto connection = res.header("connection");
  for (auto& c : connection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(connection, "close") << "answers while draining close their connection";
  EXPECT_LT(took, 5s);
}

TEST(gateway_stop, drain_is_bounded_by_drain_timeout) {
  auto port = free_port();
  cleave::routes r;
  r.add<gw_hang>("GET", "/hang", "gwtest", {1000ms});
  auto node = start(port, {{"drain_timeout_ms", 200}}, std::move(r));
  // An idle kept-alive connection must not hold the stop up (Poco would keep it for 15 s).
  Poco::Net::HTTPClientSession idle{"127.0.0.1", port};
  idle.setTimeout(Poco::Timespan(10, 0));
  idle.setKeepAlive(true);
  Poco::Net::HTTPRequest ping{"GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1};
  idle.sendRequest(ping);
  Poco::Net::HTTPResponse pong;
  auto& is = idle.receiveResponse(pong);
  std::string ignored{std::istreambuf_iterator<char>(is), {}};
  ASSERT_EQ(pong.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
  std::promise<std::chrono::steady_clock::time_point> answered;
  auto answered_at = answered.get_future();
  int hung_before = hung_requests();
  auto hung = std::async(std::launch::async, [port, &answered] {
    auto res = get(port, "/hang");
    answered.set_value(std::chrono::steady_clock::now());
    return res;
  });
  ASSERT_TRUE(poll_until(5s, [&] { return hung_requests() > hung_before; }));
  auto t0 = std::chrono::steady_clock::now();
  node.reset();
  auto took = std::chrono::steady_clock::now() - t0;
  // The client is cut off at the drain timeout (+ Poco's 250 ms accept poll)...
  EXPECT_LT(answered_at.get() - t0, 900ms);
  auto res = hung.get();
  EXPECT_NE(res.status, 200) << res.body;
  // ...but the stop waits for the handler's call to end at its deadline (1 s after it began; at
  // most 1 s more), so that the actor system outlives every handler.
  EXPECT_LT(took, 3s);
}

}  // namespace
