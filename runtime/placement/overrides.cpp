#include "runtime/placement/overrides.hpp"

#include <cstdlib>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>

#include "runtime/core/error.hpp"
#include "runtime/placement/json_text.hpp"

namespace cleave::placement_internal {

namespace json = boost::json;

namespace {

bool is_var_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// Expands one string; on failure returns why (after "PATH: "), leaving `out` unspecified.
std::string expand_string(std::string_view s, const getenv_function& getenv, std::string& out) {
  size_t i = 0;
  while (i < s.size()) {
    auto start = s.find("${", i);
    if (start == std::string_view::npos) break;
    out.append(s.substr(i, start - i));
    auto close = s.find('}', start + 2);
    if (close == std::string_view::npos)
      return "found " + quote(s) + ", expected a '}' closing the \"${\" at character " +
             std::to_string(start + 1);
    auto inner = s.substr(start + 2, close - start - 2);
    auto sep = inner.find(":-");
    auto name = std::string(inner.substr(0, sep));
    if (!is_var_name(name))
      return "found " + quote(s) + ", expected ${NAME} or ${NAME:-default} with NAME made of " +
             "letters, digits and '_' (not starting with a digit)";
    auto value = getenv(name);
    if (value && !value->empty())
      out += *value;
    else if (sep != std::string_view::npos)
      out.append(inner.substr(sep + 2));
    else if (!value)
      return "found " + quote(s) + ", but the environment variable " + name +
             " is not set: set it or give a default, ${" + name + ":-value}";
    i = close + 1;
  }
  if (i < s.size()) out.append(s.substr(i));
  return {};
}

caf::error expand_value(json::value& v, const std::string& path, const std::string& origin,
                        const getenv_function& getenv, value_origins& origins) {
  if (v.is_object()) {
    for (auto& kv : v.get_object())
      if (auto err = expand_value(kv.value(), path_key(path, kv.key()), origin, getenv, origins))
        return err;
  } else if (v.is_array()) {
    auto& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i)
      if (auto err = expand_value(arr[i], path_index(path, i), origin, getenv, origins)) return err;
  } else if (v.is_string()) {
    std::string_view s = v.get_string();
    if (s.find("${") == std::string_view::npos) return {};
    std::string out;
    auto why = expand_string(s, getenv, out);
    if (!why.empty())
      return make_error(errc::invalid_placement, origin + ": " + display_path(path) + ": " + why);
    origins[path] = "expanded from " + quote(s);
    v = out;
  }
  return {};
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

bool under(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.empty() || path[prefix.size()] == '.' ||
         path[prefix.size()] == '[';
}

}  // namespace

std::optional<std::string> process_getenv(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string{v};
  return std::nullopt;
}

caf::error expand_env(json::value& doc, const std::string& origin, const getenv_function& getenv,
                      value_origins& origins) {
  return expand_value(doc, "", origin, getenv, origins);
}

caf::error apply_override(json::value& doc, const std::string& assignment, value_origins& origins) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::invalid_placement, "--set " + assignment + ": " + why);
  };
  auto eq = assignment.find('=');
  if (eq == std::string::npos)
    return fail("no '=', expected PATH=VALUE (e.g. --set nodes.store.port=17101)");
  auto path_text = std::string_view{assignment}.substr(0, eq);
  auto value_text = std::string_view{assignment}.substr(eq + 1);
  if (path_text.empty()) return fail("empty path, expected PATH=VALUE (e.g. --set app=banano)");
  auto steps = split_path(path_text);
  for (const auto& step : steps)
    if (step.empty())
      return fail("empty name in path \"" + std::string(path_text) +
                  "\", expected names separated by single dots");

  // Read as JSON where it is JSON (17101, true, {"a":1}, "x"), else as the string it spells: this
  // is what lets `--set nodes.store.host=10.0.0.5` work without shell-quoting JSON strings.
  json::parse_options opts;
  opts.allow_comments = true;
  opts.allow_trailing_commas = true;
  json::error_code ec;
  auto value = json::parse(value_text, ec, {}, opts);
  if (ec) value = json::string(value_text);

  json::value* cur = &doc;
  std::string path;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!cur->is_object())
      return fail(display_path(path) + ": found " + render_value(*cur) + " (" + kind_name(*cur) +
                  "), expected an object to set \"" + steps[i] + "\" in");
    auto& obj = cur->get_object();
    path = path_key(path, steps[i]);
    if (i + 1 == steps.size()) {
      obj[steps[i]] = std::move(value);
      break;
    }
    if (!obj.contains(steps[i])) obj[steps[i]] = json::object{};
    cur = &obj[steps[i]];
  }
  // The old value is gone, and with it whatever was noted about its parts.
  for (auto it = origins.begin(); it != origins.end();)
    it = under(it->first, path) ? origins.erase(it) : std::next(it);
  origins[path] = "set by --set " + assignment;
  return {};
}

std::string origin_note(const value_origins& origins, const std::string& path) {
  const std::string* best = nullptr;
  size_t best_len = 0;
  for (const auto& [where, note] : origins)
    if (under(path, where) && (!best || where.size() >= best_len)) {
      best = &note;
      best_len = where.size();
    }
  return best ? *best : std::string{};
}

}  // namespace cleave::placement_internal
