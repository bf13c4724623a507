#include "runtime/core/error.hpp"

#include <gtest/gtest.h>
#include <caf/sec.hpp>

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
  for (int i = 0; i <= static_cast<int>(cleave::errc::outcome_unknown); ++i)
    EXPECT_EQ(cleave::to_string(static_cast<cleave::errc>(i)).find("errc("), std::string::npos);
}

}  // namespace
