// `${VAR}` expansion and `--set` overrides on a parsed document, before validation.
#include "runtime/placement/overrides.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"

namespace {

using namespace cleave::placement_internal;
namespace json = boost::json;

getenv_function fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct expanded {
  std::string json;   // the document afterwards, or "" on error
  std::string error;  // the error text, or ""
  value_origins origins;
};

expanded expand(std::string_view text, std::map<std::string, std::string> vars) {
  auto doc = json::parse(text);
  expanded out;
  if (auto err = expand_env(doc, "f.json", fake_env(std::move(vars)), out.origins))
    out.error = cleave::what(err);
  else
    out.json = json::serialize(doc);
  return out;
}

struct overridden {
  std::string json;
  std::string error;
  value_origins origins;
};

overridden set(std::string_view text, const std::string& assignment) {
  auto doc = json::parse(text);
  overridden out;
  if (auto err = apply_override(doc, assignment, out.origins)) {
    EXPECT_TRUE(cleave::is(err, cleave::errc::invalid_placement));
    out.error = cleave::what(err);
  } else {
    out.json = json::serialize(doc);
  }
  return out;
}

// --- expansion
// ------------------------------------------------------------------------------------

TEST(expand_env, replaces_a_set_variable) {
  auto r = expand(R"({"h": "${HOST}"})", {{"HOST", "10.0.0.5"}});
  EXPECT_EQ(r.json, R"({"h":"10.0.0.5"})");
  EXPECT_EQ(origin_note(r.origins, "h"), "expanded from \"${HOST}\"");
}

TEST(expand_env, uses_the_default_when_unset) {
  EXPECT_EQ(expand(R"({"h": "${HOST:-127.0.0.1}"})", {}).json, R"({"h":"127.0.0.1"})");
}

TEST(expand_env, prefers_the_variable_over_the_default_when_set) {
  EXPECT_EQ(expand(R"({"h": "${HOST:-127.0.0.1}"})", {{"HOST", "db"}}).json, R"({"h":"db"})");
}

TEST(expand_env, uses_the_default_when_set_but_empty_like_the_shell) {
  EXPECT_EQ(expand(R"({"h": "${HOST:-x}"})", {{"HOST", ""}}).json, R"({"h":"x"})");
  EXPECT_EQ(expand(R"({"h": "${HOST}"})", {{"HOST", ""}}).json, R"({"h":""})");
}

TEST(expand_env, allows_an_empty_default) {
  EXPECT_EQ(expand(R"({"h": "a${X:-}b"})", {}).json, R"({"h":"ab"})");
}

TEST(expand_env, expands_several_references_and_keeps_the_text_around) {
  EXPECT_EQ(expand(R"({"u": "http://${H}:${P:-80}/x$y"})", {{"H", "h"}}).json,
            R"({"u":"http://h:80/x$y"})");
}

TEST(expand_env, reaches_nested_objects_and_arrays_but_not_keys) {
  auto r = expand(R"({"${K}": {"a": ["${K}", 1, {"b": "${K}"}]}})", {{"K", "v"}});
  EXPECT_EQ(r.json, R"({"${K}":{"a":["v",1,{"b":"v"}]}})");
  EXPECT_EQ(origin_note(r.origins, "[\"${K}\"].a[2].b"), "expanded from \"${K}\"");
}

TEST(expand_env, does_not_expand_the_value_of_a_variable_again) {
  EXPECT_EQ(expand(R"({"h": "${A}"})", {{"A", "${B}"}}).json, R"({"h":"${B}"})");
}

TEST(expand_env, unset_variable_without_default_names_path_and_variable) {
  EXPECT_EQ(expand(R"({"nodes": {"store": {"host": "${STORE_HOST}"}}})", {}).error,
            "f.json: nodes.store.host: found \"${STORE_HOST}\", but the environment variable "
            "STORE_HOST is not set: set it or give a default, ${STORE_HOST:-value}");
}

TEST(expand_env, unclosed_reference_is_an_error) {
  EXPECT_EQ(expand(R"({"h": "x${HOST"})", {{"HOST", "h"}}).error,
            "f.json: h: found \"x${HOST\", expected a '}' closing the \"${\" at character 2");
}

TEST(expand_env, bad_variable_name_is_an_error) {
  auto msg = expand(R"({"h": "${HOST-x}"})", {}).error;
  EXPECT_EQ(msg.rfind("f.json: h: found \"${HOST-x}\", expected ${NAME} or ${NAME:-default}", 0),
            0u)
      << msg;
}

// --- overrides
// ------------------------------------------------------------------------------------

TEST(apply_override, sets_a_number) {
  auto r = set(R"({"nodes": {"store": {"port": 7101}}})", "nodes.store.port=17101");
  EXPECT_EQ(r.json, R"({"nodes":{"store":{"port":17101}}})");
  EXPECT_EQ(origin_note(r.origins, "nodes.store.port"), "set by --set nodes.store.port=17101");
}

TEST(apply_override, takes_what_is_not_json_as_a_string) {
  EXPECT_EQ(set(R"({"nodes": {"s": {}}})", "nodes.s.host=10.0.0.5").json,
            R"({"nodes":{"s":{"host":"10.0.0.5"}}})");
}

TEST(apply_override, reads_a_quoted_json_string) {
  EXPECT_EQ(set(R"({"a": 1})", R"(a="17101")").json, R"({"a":"17101"})");
}

TEST(apply_override, sets_a_bool) {
  EXPECT_EQ(set(R"({})", "defaults.serialize_local=true").json,
            R"({"defaults":{"serialize_local":true}})");
}

TEST(apply_override, creates_missing_objects_on_the_path) {
  EXPECT_EQ(set(R"({"components": {}})", "components.x.config.limits.max=3").json,
            R"({"components":{"x":{"config":{"limits":{"max":3}}}}})");
}

TEST(apply_override, sets_a_whole_object) {
  EXPECT_EQ(set(R"({"c": {"old": 1}})", R"(c={"a":1})").json, R"({"c":{"a":1}})");
}

TEST(apply_override, splits_at_the_first_equals_sign) {
  EXPECT_EQ(set(R"({})", "a=b=c").json, R"({"a":"b=c"})");
}

TEST(apply_override, empty_value_is_an_empty_string) {
  EXPECT_EQ(set(R"({})", "a=").json, R"({"a":""})");
}

TEST(apply_override, replacing_a_value_forgets_notes_about_its_parts) {
  auto doc = json::parse(R"({"n": {"h": "${H}"}})");
  value_origins origins;
  ASSERT_FALSE(expand_env(doc, "f", fake_env({{"H", "x"}}), origins));
  ASSERT_FALSE(apply_override(doc, R"(n={"h":"y"})", origins));
  EXPECT_EQ(origin_note(origins, "n.h"), "set by --set n={\"h\":\"y\"}");
}

TEST(apply_override, without_equals_sign_is_an_error) {
  EXPECT_EQ(set(R"({})", "nodes.store.port").error,
            "--set nodes.store.port: no '=', expected PATH=VALUE (e.g. --set "
            "nodes.store.port=17101)");
}

TEST(apply_override, with_empty_path_is_an_error) {
  EXPECT_EQ(set(R"({})", "=3").error,
            "--set =3: empty path, expected PATH=VALUE (e.g. --set app=banano)");
}

TEST(apply_override, with_empty_step_is_an_error) {
  EXPECT_EQ(set(R"({})", "nodes..port=3").error,
            "--set nodes..port=3: empty name in path \"nodes..port\", expected names separated by "
            "single dots");
}

TEST(apply_override, through_a_non_object_is_an_error) {
  EXPECT_EQ(set(R"({"app": "banano"})", "app.name=x").error,
            "--set app.name=x: app: found \"banano\" (string), expected an object to set \"name\" "
            "in");
}

TEST(apply_override, into_an_array_is_an_error) {
  EXPECT_EQ(
      set(R"({"c": {"nodes": ["a"]}})", "c.nodes.0=b").error,
      "--set c.nodes.0=b: c.nodes: found [\"a\"] (array), expected an object to set \"0\" in");
}

}  // namespace
