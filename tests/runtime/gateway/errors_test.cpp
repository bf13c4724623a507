// The one errc -> HTTP status mapping, and error bodies that are always valid JSON.
#include "runtime/gateway/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <caf/sec.hpp>

#include "runtime/core/error.hpp"

namespace {

using cleave::errc;

std::string error_text(const cleave::http_response& res) {
  auto v = boost::json::parse(res.body);
  return std::string{v.as_object().at("error").as_string()};
}

TEST(errors, maps_every_errc_to_its_status) {
  auto status = [](errc e) {
    return cleave::http_status(cleave::make_error(e, "x"));
  };
  EXPECT_EQ(status(errc::invalid_argument), 400);
  EXPECT_EQ(status(errc::not_found), 404);
  EXPECT_EQ(status(errc::already_exists), 409);
  EXPECT_EQ(status(errc::deadline_exceeded), 504);
  EXPECT_EQ(status(errc::unavailable), 503);
  EXPECT_EQ(status(errc::unknown_component), 503);
  EXPECT_EQ(status(errc::internal), 500);
  EXPECT_EQ(status(errc::invalid_placement), 500);
}

TEST(errors, errors_of_other_categories_are_500) {
  EXPECT_EQ(cleave::http_status(caf::make_error(caf::sec::request_timeout)), 500);
  EXPECT_EQ(cleave::http_status(caf::make_error(caf::sec::unexpected_message)), 500);
}

TEST(errors, error_reply_is_json_with_the_error_text) {
  auto res = cleave::error_reply(415, "send \"application/json\"\n\tplease \\ thanks");
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(error_text(res), "send \"application/json\"\n\tplease \\ thanks");
}

TEST(errors, error_reply_of_an_error_has_its_status_and_description) {
  auto res = cleave::error_reply(cleave::make_error(errc::not_found, "no thingey 'd1'"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(error_text(res), "not_found: no thingey 'd1'");
}

TEST(errors, invalid_utf8_is_replaced_so_the_body_stays_valid_json) {
  auto res = cleave::error_reply(404, std::string{"no route for /caf\xC3\xA9/\xFF\xC3"});
  // Boost.JSON's parser validates UTF-8: the body parses, the valid é survives.
  EXPECT_EQ(error_text(res), "no route for /caf\xC3\xA9/\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(error_text(cleave::error_reply(400, "\xED\xA0\x80")),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "an encoded surrogate is not UTF-8";
}

}  // namespace
