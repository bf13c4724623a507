#include "runtime/core/error.hpp"

#include <gtest/gtest.h>
#include <caf/sec.hpp>

#include <string>
#include <vector>

namespace {

TEST(error, carries_code_and_text) {
  auto err = cleave::make_error(cleave::errc::not_found, "no thingey 'd1'");
  EXPECT_TRUE(cleave::is(err, cleave::errc::not_found));
  EXPECT_FALSE(cleave::is(err, cleave::errc::internal));
  EXPECT_EQ(cleave::what(err), "no thingey 'd1'");
  EXPECT_EQ(cleave::describe(err), "not_found: no thingey 'd1'");
}

TEST(error, describes_caf_errors) {
  caf::error err = caf::sec::request_timeout;
  EXPECT_FALSE(cleave::is(err, cleave::errc::deadline_exceeded));
  EXPECT_EQ(cleave::describe(err), "request_timeout");
  EXPECT_EQ(cleave::describe(caf::error{}), "none");
}

TEST(error, every_code_has_a_name) {
  for (int i = 0; i <= static_cast<int>(cleave::errc_last); ++i)
    EXPECT_EQ(cleave::to_string(static_cast<cleave::errc>(i)).find("errc("), std::string::npos);
}

TEST(error, app_errors_carry_code_status_and_text) {
  auto err = cleave::make_app_error(409, "out_of_stock", "only 2 of \"p1\" left");
  EXPECT_TRUE(cleave::is_app_error(err, "out_of_stock"));
  EXPECT_FALSE(cleave::is_app_error(err, "out_of_paper"));
  EXPECT_FALSE(cleave::is(err, cleave::errc::failed_precondition));
  EXPECT_EQ(cleave::app_error_status(err), 409);
  EXPECT_EQ(cleave::what(err), "only 2 of \"p1\" left");
  EXPECT_EQ(cleave::describe(err), "out_of_stock: only 2 of \"p1\" left");
  EXPECT_EQ(cleave::app_error_status(cleave::make_error(cleave::errc::not_found, "x")), 0);
}

TEST(error, app_errors_with_a_status_the_runtime_keeps_or_a_bad_code_are_refused) {
  for (int status : {200, 302, 399, 501, 503, 504, 600}) {
    auto err = cleave::make_app_error(status, "nope", "text");
    EXPECT_TRUE(cleave::is(err, cleave::errc::internal)) << status;
    EXPECT_EQ(cleave::what(err), "make_app_error: status " + std::to_string(status) +
                                     " of \"nope\" is not allowed (400-499 or 500) (text: text)");
  }
  for (const std::string& code :
       std::vector<std::string>{"", "has space", "dash-ed", std::string(65, 'a')})
    EXPECT_TRUE(cleave::is(cleave::make_app_error(409, code, "t"), cleave::errc::internal)) << code;
  EXPECT_TRUE(cleave::is_app_error(cleave::make_app_error(400, std::string(64, 'a'), "t"),
                                   std::string(64, 'a')));
}

}  // namespace
