// The one errc -> HTTP status mapping, error bodies that are always valid JSON with the request's
// id, and runtime errors whose text goes to the log rather than to the client.
#include "runtime/gateway/errors.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <caf/sec.hpp>

#include "runtime/core/error.hpp"
#include "tests/runtime/core/log_lines.hpp"

namespace {

using cleave::errc;

std::string error_text(const cleave::http_response& res) {
  auto v = boost::json::parse(res.body);
  return std::string{v.as_object().at("error").as_string()};
}

using core_test::log_lines_of;

TEST(errors, maps_every_errc_to_its_status) {
  auto status = [](errc e) {
    return cleave::http_status(cleave::make_error(e, "x"));
  };
  EXPECT_EQ(status(errc::invalid_argument), 400);
  EXPECT_EQ(status(errc::not_found), 404);
  EXPECT_EQ(status(errc::already_exists), 409);
  EXPECT_EQ(status(errc::deadline_exceeded), 504);
  EXPECT_EQ(status(errc::outcome_unknown), 504);
  EXPECT_EQ(status(errc::unavailable), 503);
  EXPECT_EQ(status(errc::unknown_component), 503);
  EXPECT_EQ(status(errc::internal), 500);
  EXPECT_EQ(status(errc::invalid_placement), 500);
  EXPECT_EQ(status(errc::failed_precondition), 409);
  EXPECT_EQ(status(errc::permission_denied), 403);
  EXPECT_EQ(status(errc::unauthenticated), 401);
  EXPECT_EQ(status(errc::resource_exhausted), 429);
}

TEST(errors, app_defined_errors_answer_with_their_status_and_text) {
  testing::internal::CaptureStderr();
  auto res = cleave::error_reply(cleave::make_app_error(422, "out_of_stock", "2 left"), "r-9");
  auto log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.status, 422);
  EXPECT_EQ(error_text(res), "out_of_stock: 2 left");
  EXPECT_TRUE(log_lines_of(log, "r-9").empty()) << log;
}

TEST(errors, an_app_defined_500_hides_its_text_like_any_server_error) {
  testing::internal::CaptureStderr();
  auto res =
      cleave::error_reply(cleave::make_app_error(500, "ledger_broken", "db at 10.0.0.7"), "r-10");
  auto log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(error_text(res), "internal error");
  ASSERT_EQ(log_lines_of(log, "r-10").size(), 1U) << log;
  EXPECT_EQ(log_lines_of(log, "r-10")[0].at("error"), "ledger_broken: db at 10.0.0.7");
}

TEST(errors, errors_of_other_categories_are_500) {
  EXPECT_EQ(cleave::http_status(caf::make_error(caf::sec::request_timeout)), 500);
  EXPECT_EQ(cleave::http_status(caf::make_error(caf::sec::unexpected_message)), 500);
}

TEST(errors, error_reply_is_json_with_the_error_text_and_the_request_id) {
  auto res = cleave::error_reply(415, "send \"application/json\"\n\tplease \\ thanks", "r-1");
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(error_text(res), "send \"application/json\"\n\tplease \\ thanks");
  EXPECT_EQ(boost::json::parse(res.body),
            boost::json::parse(R"({"error":"send \"application/json\"\n\tplease \\ thanks",)"
                               R"("request_id":"r-1"})"));
}

TEST(errors, errors_the_client_caused_show_their_description) {
  for (auto [code, status] :
       {std::pair{errc::not_found, 404}, std::pair{errc::invalid_argument, 400},
        std::pair{errc::already_exists, 409}, std::pair{errc::failed_precondition, 409},
        std::pair{errc::permission_denied, 403}, std::pair{errc::unauthenticated, 401},
        std::pair{errc::resource_exhausted, 429}}) {
    testing::internal::CaptureStderr();
    auto res = cleave::error_reply(cleave::make_error(code, "no thingey 'd1'"), "r-2");
    auto log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(res.status, status);
    EXPECT_EQ(error_text(res), cleave::to_string(code) + ": no thingey 'd1'");
    EXPECT_EQ(boost::json::parse(res.body).at("request_id"), "r-2");
    EXPECT_TRUE(log_lines_of(log, "r-2").empty())
        << "a client's mistake is not the server's: " << log;
  }
}

TEST(errors, runtime_errors_give_a_fixed_message_and_log_the_description) {
  struct expected {
    caf::error err;
    int status;
    std::string message;
    std::string level;
  };
  const std::string where = "inventory on node \"inventory\" (127.0.0.1:7263): cannot connect";
  std::vector<expected> cases{
      {cleave::make_error(errc::unavailable, where), 503,
       "service unavailable; the request was not applied, it may be retried", "warning"},
      {cleave::make_error(errc::unknown_component, "no component \"inventory\""), 503,
       "service unavailable; the request was not applied, it may be retried", "warning"},
      {cleave::make_error(errc::deadline_exceeded, where), 504,
       "deadline exceeded; the request may have been applied", "warning"},
      {cleave::make_error(errc::outcome_unknown, where), 504,
       "outcome unknown; the request may have been applied", "warning"},
      {cleave::make_error(errc::internal, where), 500, "internal error", "error"},
      {caf::make_error(caf::sec::unexpected_message), 500, "internal error", "error"},
  };
  cleave::error_reporting how{"edge", "gateway", false};
  for (const auto& c : cases) {
    testing::internal::CaptureStderr();
    auto res = cleave::error_reply(c.err, "r-3", how);
    auto log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(res.status, c.status) << cleave::describe(c.err);
    EXPECT_EQ(boost::json::parse(res.body),
              (boost::json::object{{"error", c.message}, {"request_id", "r-3"}}))
        << res.body;
    for (const char* secret : {"127.0.0.1", "7263", "inventory"})
      EXPECT_EQ(res.body.find(secret), std::string::npos) << res.body;
    auto lines = log_lines_of(log, "r-3");
    ASSERT_EQ(lines.size(), 1u) << log;
    EXPECT_EQ(lines[0].at("level"), c.level.c_str());
    EXPECT_EQ(lines[0].at("node"), "edge");
    EXPECT_EQ(lines[0].at("component"), "gateway");
    EXPECT_EQ(lines[0].at("status"), c.status);
    EXPECT_EQ(lines[0].at("error"), cleave::describe(c.err).c_str());
  }
}

TEST(errors, expose_shows_the_description_of_runtime_errors_too) {
  auto err = cleave::make_error(errc::unavailable, "inventory (127.0.0.1:7263): cannot connect");
  testing::internal::CaptureStderr();
  auto res = cleave::error_reply(err, "r-4", {"edge", "gateway", true});
  auto log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(error_text(res), "unavailable: inventory (127.0.0.1:7263): cannot connect");
  EXPECT_EQ(log_lines_of(log, "r-4").size(), 1u) << "logged all the same: " << log;
}

TEST(errors, invalid_utf8_is_replaced_so_the_body_stays_valid_json) {
  auto res = cleave::error_reply(404, std::string{"no route for /caf\xC3\xA9/\xFF\xC3"}, "r");
  // Boost.JSON's parser validates UTF-8: the body parses, the valid é survives.
  EXPECT_EQ(error_text(res), "no route for /caf\xC3\xA9/\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(error_text(cleave::error_reply(400, "\xED\xA0\x80", "r")),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "an encoded surrogate is not UTF-8";
  auto id = cleave::error_reply(400, "x", "\xFF");
  EXPECT_EQ(boost::json::parse(id.body).at("request_id"), "\xEF\xBF\xBD");
}

}  // namespace
