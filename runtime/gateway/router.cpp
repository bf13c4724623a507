#include "runtime/gateway/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace cleave {

namespace {

/// Splits "/a/b" into {"a", "b"}; "/" is one empty segment, so "/" and "/a/" are routes of their
/// own (no silent trailing-slash redirects).
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

[[noreturn]] void bad_pattern(std::string_view pattern, const std::string& why) {
  throw std::invalid_argument("route pattern \"" + std::string{pattern} + "\": " + why);
}

struct parsed_segment {
  std::string text;
  bool wildcard = false;
};

std::vector<parsed_segment> parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') bad_pattern(pattern, "must start with '/'");
  std::vector<parsed_segment> out;
  std::set<std::string, std::less<>> names;
  for (auto seg : split_path(pattern)) {
    bool opens = seg.find('{') != std::string_view::npos;
    bool closes = seg.find('}') != std::string_view::npos;
    if (!opens && !closes) {
      out.push_back({percent_decode(seg), false});
      continue;
    }
    if (seg.size() < 2 || seg.front() != '{' || seg.back() != '}' ||
        seg.find_first_of("{}", 1) != seg.size() - 1)
      bad_pattern(pattern, "a wildcard must be a whole segment, e.g. /things/{id}, found \"" +
                               std::string{seg} + "\"");
    auto name = seg.substr(1, seg.size() - 2);
    if (!is_identifier(name))
      bad_pattern(pattern, "wildcard name \"" + std::string{name} + "\" is not an identifier");
    if (!names.emplace(name).second)
      bad_pattern(pattern, "wildcard {" + std::string{name} + "} appears twice");
    out.push_back({std::string{name}, true});
  }
  return out;
}

}  // namespace

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

std::vector<std::string> route_params(std::string_view pattern) {
  std::vector<std::string> out;
  for (auto& seg : parse_pattern(pattern))
    if (seg.wildcard) out.push_back(std::move(seg.text));
  return out;
}

void router::add(std::string method, std::string_view pattern, size_t target) {
  if (method.empty()) throw std::invalid_argument("route " + std::string{pattern} + ": no method");
  auto parsed = parse_pattern(pattern);
  std::vector<segment> segments;
  segments.reserve(parsed.size());
  for (auto& p : parsed) segments.push_back({std::move(p.text), p.wildcard});
  auto same_shape = [&](const entry& e) {
    if (e.segments.size() != segments.size()) return false;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (e.segments[i].wildcard != segments[i].wildcard) return false;
      if (!segments[i].wildcard && e.segments[i].text != segments[i].text) return false;
    }
    return true;
  };
  for (auto& e : entries_) {
    if (!same_shape(e)) continue;
    // Two spellings of one shape ("/a/{x}", "/a/{y}") would make the winner depend on the order
    // of declaration: refuse it.
    if (e.pattern != pattern)
      throw std::invalid_argument("route pattern \"" + std::string{pattern} +
                                  "\" has the shape of \"" + e.pattern +
                                  "\": use one spelling for both");
    if (!e.methods.emplace(method, target).second)
      throw std::invalid_argument("route " + method + " " + std::string{pattern} +
                                  " is declared twice");
    return;
  }
  entry e;
  e.pattern = std::string{pattern};
  e.segments = std::move(segments);
  e.methods.emplace(std::move(method), target);
  entries_.push_back(std::move(e));
}

bool router::more_specific(const entry& a, const entry& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i)
    if (a.segments[i].wildcard != b.segments[i].wildcard) return !a.segments[i].wildcard;
  return false;
}

router::match router::find(std::string_view method, std::string_view path) const {
  match out;
  if (path.empty() || path.front() != '/') return out;
  std::vector<std::string> decoded;
  for (auto seg : split_path(path)) decoded.push_back(percent_decode(seg));
  const entry* best = nullptr;
  std::set<std::string> allowed;
  for (const auto& e : entries_) {
    if (e.segments.size() != decoded.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < decoded.size() && matches; ++i) {
      const auto& seg = e.segments[i];
      matches = seg.wildcard ? !decoded[i].empty() : seg.text == decoded[i];
    }
    if (!matches) continue;
    if (e.methods.find(method) == e.methods.end()) {
      for (const auto& kv : e.methods) allowed.insert(kv.first);
      continue;
    }
    if (best == nullptr || more_specific(e, *best)) best = &e;
  }
  if (best == nullptr) {
    if (!allowed.empty()) {
      out.result = match::kind::method_not_allowed;
      out.allowed.assign(allowed.begin(), allowed.end());
    }
    return out;
  }
  out.result = match::kind::found;
  out.target = best->methods.find(method)->second;
  out.pattern = best->pattern;
  for (size_t i = 0; i < decoded.size(); ++i)
    if (best->segments[i].wildcard) out.params[best->segments[i].text] = std::move(decoded[i]);
  return out;
}

std::string router::allow_header(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace cleave
