// Parsing placement JSON text: comments, trailing commas, line:column errors, duplicate keys; and
// the rendering of values and paths used in every error message.
#include "runtime/placement/json_text.hpp"

#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"

namespace {

using namespace cleave::placement_internal;
namespace json = boost::json;

std::string parse_error(std::string_view text) {
  auto v = parse_json_text(text, "f.json");
  if (v) return "<parsed>";
  EXPECT_TRUE(cleave::is(v.error(), cleave::errc::invalid_placement));
  return cleave::what(v.error());
}

TEST(json_text, accepts_comments_and_trailing_commas) {
  auto v = parse_json_text(R"(// leading comment
{
  /* block comment */
  "a": [1, 2, 3,],  // trailing comma in an array
  "b": {"c": true,},
})",
                           "f.json");
  ASSERT_TRUE(v) << cleave::describe(v.error());
  EXPECT_EQ(json::serialize(*v), R"({"a":[1,2,3],"b":{"c":true}})");
}

TEST(json_text, skips_a_byte_order_mark) {
  auto v = parse_json_text("\xEF\xBB\xBF{\"a\": 1}", "f.json");
  ASSERT_TRUE(v) << cleave::describe(v.error());
  EXPECT_EQ(json::serialize(*v), R"({"a":1})");
}

TEST(json_text, syntax_error_gives_line_and_column_of_the_offending_token) {
  // The missing comma is noticed at the second key: line 3, column 3.
  EXPECT_EQ(parse_error("{\n  \"a\": 1\n  \"b\": 2\n}"),
            "f.json:3:3: malformed JSON: syntax error at `\"b\": 2`");
}

TEST(json_text, columns_count_characters_not_bytes) {
  // "é" is two bytes in UTF-8 but one column.
  EXPECT_EQ(parse_error("{\"é\": @}"), "f.json:1:7: malformed JSON: syntax error at `@}`");
}

TEST(json_text, truncated_text_is_reported_at_its_end) {
  auto msg = parse_error("{\n  \"a\": [1,\n");
  EXPECT_EQ(msg.rfind("f.json:3:1: malformed JSON: incomplete JSON", 0), 0u) << msg;
}

TEST(json_text, empty_text_is_malformed) {
  auto msg = parse_error("");
  EXPECT_EQ(msg.rfind("f.json:1:1: malformed JSON: incomplete JSON", 0), 0u) << msg;
}

TEST(json_text, text_after_the_value_is_malformed) {
  EXPECT_EQ(parse_error("{}\n{}"), "f.json:2:1: malformed JSON: extra data at `{}`");
}

TEST(json_text, duplicate_key_is_refused_with_its_path) {
  // Boost.JSON alone would keep the last "port" silently.
  EXPECT_EQ(parse_error(R"({"nodes": {"a": {"port": 1,
                                           "port": 2}}})"),
            "f.json: nodes.a.port: key appears twice (again at line 2, column 44)");
}

TEST(json_text, duplicate_key_inside_an_array_element_names_the_index) {
  EXPECT_EQ(parse_error(R"({"x": [{}, {"k": 1, "k": 2}]})"),
            "f.json: x[1].k: key appears twice (again at line 1, column 21)");
}

TEST(json_text, equal_keys_in_different_objects_are_fine) {
  auto v = parse_json_text(R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}, {"k": 4}]})", "f");
  ASSERT_TRUE(v) << cleave::describe(v.error());
}

TEST(json_text, escaped_keys_are_compared_after_unescaping) {
  EXPECT_EQ(parse_error(R"({"a": 1, "\u0061": 2})"),
            "f.json: a: key appears twice (again at line 1, column 10)");
}

TEST(json_text, duplicate_key_position_is_the_start_of_the_key_even_with_escaped_quotes) {
  EXPECT_EQ(parse_error(R"({"a\"b": 1, "a\"b": 2})"),
            R"(f.json: ["a\"b"]: key appears twice (again at line 1, column 13))");
}

TEST(json_text, renders_values_compactly) {
  EXPECT_EQ(render_value(json::value("abc")), "\"abc\"");
  EXPECT_EQ(render_value(json::value(-5)), "-5");
  EXPECT_EQ(render_value(json::value(2.5)), "2.5");
  EXPECT_EQ(render_value(json::value(2000.0)), "2000.0");
  EXPECT_EQ(render_value(json::value(true)), "true");
  EXPECT_EQ(render_value(json::value(nullptr)), "null");
  EXPECT_EQ(render_value(json::parse(R"({"a": [1, "x\"y"]})")), R"({"a":[1,"x\"y"]})");
}

TEST(json_text, cuts_long_values) {
  auto s = render_value(json::value(std::string(200, 'x')));
  EXPECT_EQ(s.size(), 63u);
  EXPECT_EQ(s.substr(60), "...");
}

TEST(json_text, names_kinds_as_json_does) {
  EXPECT_STREQ(kind_name(json::value("a")), "string");
  EXPECT_STREQ(kind_name(json::value(1)), "number");
  EXPECT_STREQ(kind_name(json::value(1.5)), "number");
  EXPECT_STREQ(kind_name(json::value(false)), "boolean");
  EXPECT_STREQ(kind_name(json::value(nullptr)), "null");
  EXPECT_STREQ(kind_name(json::value(json::array{})), "array");
  EXPECT_STREQ(kind_name(json::value(json::object{})), "object");
}

TEST(json_text, builds_paths) {
  EXPECT_EQ(path_key("", "nodes"), "nodes");
  EXPECT_EQ(path_key("nodes", "store-a_1"), "nodes.store-a_1");
  EXPECT_EQ(path_key("nodes", "a b"), "nodes[\"a b\"]");
  EXPECT_EQ(path_key("nodes", ""), "nodes[\"\"]");
  EXPECT_EQ(path_index("components.x.nodes", 2), "components.x.nodes[2]");
  EXPECT_EQ(display_path(""), "(top level)");
}

TEST(json_text, positions_are_one_based) {
  std::string_view text = "ab\ncd";
  EXPECT_EQ(position_of(text, 0).line, 1u);
  EXPECT_EQ(position_of(text, 0).column, 1u);
  EXPECT_EQ(position_of(text, 4).line, 2u);
  EXPECT_EQ(position_of(text, 4).column, 2u);
}

}  // namespace
