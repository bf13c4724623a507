// Router: literal and wildcard patterns, 404 vs 405, specificity, decoding, refused patterns.
#include "runtime/gateway/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace {

using cleave::router;
using kind = router::match::kind;

TEST(router, matches_a_literal_path_and_its_method) {
  router r;
  r.add("POST", "/add", 7);
  auto m = r.find("POST", "/add");
  ASSERT_EQ(m.result, kind::found);
  EXPECT_EQ(m.target, 7u);
  EXPECT_EQ(m.pattern, "/add");
  EXPECT_TRUE(m.params.empty());
}

TEST(router, wildcard_fills_its_param_percent_decoded) {
  router r;
  r.add("GET", "/things/{id}/parts/{part}", 1);
  auto m = r.find("GET", "/things/d%201/parts/a%2Fb");
  ASSERT_EQ(m.result, kind::found);
  EXPECT_EQ(m.pattern, "/things/{id}/parts/{part}");
  EXPECT_EQ(m.params.at("id"), "d 1");
  EXPECT_EQ(m.params.at("part"), "a/b") << "an encoded slash stays inside its segment";
}

TEST(router, unknown_path_is_not_found) {
  router r;
  r.add("GET", "/things/{id}", 1);
  EXPECT_EQ(r.find("GET", "/nothing").result, kind::not_found);
  EXPECT_EQ(r.find("GET", "/things").result, kind::not_found);
  EXPECT_EQ(r.find("GET", "/things/a/b").result, kind::not_found);
  EXPECT_EQ(r.find("GET", "/things/").result, kind::not_found) << "a wildcard is never empty";
  EXPECT_EQ(r.find("GET", "").result, kind::not_found);
  EXPECT_EQ(r.find("GET", "*").result, kind::not_found);
}

TEST(router, trailing_slash_is_a_different_path) {
  router r;
  r.add("GET", "/add", 1);
  EXPECT_EQ(r.find("GET", "/add/").result, kind::not_found);
  r.add("GET", "/", 2);
  auto root = r.find("GET", "/");
  ASSERT_EQ(root.result, kind::found);
  EXPECT_EQ(root.target, 2u);
}

TEST(router, known_path_with_another_method_lists_the_allowed_ones_sorted) {
  router r;
  r.add("POST", "/items/{id}", 1);
  r.add("GET", "/items/{id}", 2);
  auto m = r.find("DELETE", "/items/3");
  ASSERT_EQ(m.result, kind::method_not_allowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(router::allow_header(m.allowed), "GET, POST");
}

TEST(router, methods_are_case_sensitive) {
  router r;
  r.add("GET", "/a", 1);
  EXPECT_EQ(r.find("get", "/a").result, kind::method_not_allowed);
}

TEST(router, literal_segment_beats_wildcard) {
  router r;
  r.add("GET", "/things/{id}", 1);
  r.add("GET", "/things/new", 2);
  EXPECT_EQ(r.find("GET", "/things/new").target, 2u);
  EXPECT_EQ(r.find("GET", "/things/old").target, 1u);
  // Specificity is decided at the first segment where patterns differ.
  r.add("GET", "/{kind}/special", 3);
  EXPECT_EQ(r.find("GET", "/things/special").target, 1u);
  EXPECT_EQ(r.find("GET", "/other/special").target, 3u);
}

TEST(router, less_specific_route_serves_a_method_the_specific_one_lacks) {
  router r;
  r.add("GET", "/things/new", 1);
  r.add("DELETE", "/things/{id}", 2);
  auto m = r.find("DELETE", "/things/new");
  ASSERT_EQ(m.result, kind::found);
  EXPECT_EQ(m.target, 2u);
  EXPECT_EQ(m.params.at("id"), "new");
  auto n = r.find("PUT", "/things/new");
  ASSERT_EQ(n.result, kind::method_not_allowed);
  EXPECT_EQ(n.allowed, (std::vector<std::string>{"DELETE", "GET"}));
}

TEST(router, malformed_percent_encoding_stays_literal) {
  router r;
  r.add("GET", "/q/{x}", 1);
  auto m = r.find("GET", "/q/100%");
  ASSERT_EQ(m.result, kind::found);
  EXPECT_EQ(m.params.at("x"), "100%");
  EXPECT_EQ(r.find("GET", "/q/%zz").params.at("x"), "%zz");
}

TEST(router, refuses_malformed_patterns) {
  router r;
  EXPECT_THROW(r.add("GET", "add", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/things/{id", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/things/x{id}", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/things/{}", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/things/{1d}", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{id}/b/{id}", 1), std::invalid_argument);
  EXPECT_THROW(r.add("", "/a", 1), std::invalid_argument);
}

TEST(router, refuses_a_route_declared_twice_or_one_shape_spelled_twice) {
  router r;
  r.add("GET", "/a/{x}", 1);
  r.add("POST", "/a/{x}", 2);
  EXPECT_THROW(r.add("GET", "/a/{x}", 3), std::invalid_argument);
  try {
    r.add("PUT", "/a/{y}", 4);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string{e.what()}.find("/a/{x}"), std::string::npos) << e.what();
  }
}

TEST(router, route_params_lists_wildcards_in_order) {
  EXPECT_EQ(cleave::route_params("/a/{x}/b/{y}"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(cleave::route_params("/a/b").empty());
  EXPECT_THROW(cleave::route_params("/a/{x-y}"), std::invalid_argument);
}

}  // namespace
