#include "apps/cleave/deploy_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/json/serialize.hpp>

namespace cleave::tool {

namespace {

namespace json = boost::json;

std::string quoted(std::string_view s) {
  return json::serialize(json::value(json::string_view(s.data(), s.size())));
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool scalar(const json::value& v) {
  if (v.is_object()) return v.get_object().empty();
  if (v.is_array()) return v.get_array().empty();
  return true;
}

void put_indent(std::string& out, size_t indent) {
  out.append(indent, ' ');
}

/// A scalar written after "key: " or "- " on the current line (or as a `|` block below it).
void put_scalar(std::string& out, const json::value& v, size_t indent) {
  if (v.is_object()) {
    out += "{}\n";
  } else if (v.is_array()) {
    out += "[]\n";
  } else if (v.is_string()) {
    std::string_view s{v.get_string().data(), v.get_string().size()};
    if (s.find('\n') != std::string_view::npos && s.find('\r') == std::string_view::npos &&
        s.front() != ' ') {
      // A literal block keeps the text as written; "|-" drops the final newline it lacks.
      out += s.back() == '\n' ? "|\n" : "|-\n";
      size_t start = 0;
      while (start < s.size()) {
        auto end = s.find('\n', start);
        if (end == std::string_view::npos) end = s.size();
        auto line = s.substr(start, end - start);
        if (!line.empty()) put_indent(out, indent);
        out.append(line.data(), line.size());
        out += '\n';
        start = end + 1;
      }
    } else {
      out += plain_yaml_scalar(s) ? std::string{s} : quoted(s);
      out += '\n';
    }
  } else {
    out += json::serialize(v);
    out += '\n';
  }
}

void put_value(std::string& out, const json::value& v, size_t indent);

void put_key(std::string& out, std::string_view key) {
  out += plain_yaml_scalar(key) ? std::string{key} : quoted(key);
  out += ':';
}

/// The members of an object, the first one on the current line (after "- ") when `inline_first`.
void put_members(std::string& out, const json::object& obj, size_t indent, bool inline_first) {
  bool first = true;
  for (const auto& kv : obj) {
    if (!(first && inline_first)) put_indent(out, indent);
    first = false;
    put_key(out, {kv.key().data(), kv.key().size()});
    if (scalar(kv.value())) {
      out += ' ';
      put_scalar(out, kv.value(), indent + 2);
    } else {
      out += '\n';
      // Sequences under a key are indented like its members, as kubectl and Compose print them.
      put_value(out, kv.value(), indent + 2);
    }
  }
}

void put_value(std::string& out, const json::value& v, size_t indent) {
  if (scalar(v)) {
    put_indent(out, indent);
    put_scalar(out, v, indent + 2);
    return;
  }
  if (v.is_object()) {
    put_members(out, v.get_object(), indent, false);
    return;
  }
  for (const auto& item : v.get_array()) {
    put_indent(out, indent);
    out += "- ";
    if (scalar(item))
      put_scalar(out, item, indent + 2);
    else if (item.is_object())
      put_members(out, item.get_object(), indent + 2, true);
    else {
      out += '\n';
      put_value(out, item, indent + 2);
    }
  }
}

void put_json(std::string& out, const json::value& v, size_t indent) {
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      put_indent(out, indent + 2);
      out += quoted({kv.key().data(), kv.key().size()});
      out += ": ";
      put_json(out, kv.value(), indent + 2);
    }
    out += '\n';
    put_indent(out, indent);
    out += '}';
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      put_indent(out, indent + 2);
      put_json(out, item, indent + 2);
    }
    out += '\n';
    put_indent(out, indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

bool plain_yaml_scalar(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  // Words YAML 1.1 reads as booleans or null.
  static const std::array<const char*, 12> reserved{"true", "false", "yes",  "no", "on",  "off",
                                                    "y",    "n",     "null", "~",  "nan", "inf"};
  auto low = lower(s);
  for (const char* word : reserved)
    if (low == word) return false;
  // A letter or '/' first: never a number, date, anchor, tag, flow collection or indicator.
  if (std::isalpha(static_cast<unsigned char>(s.front())) == 0 && s.front() != '/') return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
              c == '.' || c == '/' || c == ':' || c == '@' || c == '=';
    if (!ok) return false;
  }
  // "key: value" is a mapping, and a trailing ':' reads as one too.
  return s.back() != ':';
}

std::string yaml_text(const json::value& v) {
  std::string out;
  put_value(out, v, 0);
  return out;
}

std::string pretty_json(const json::value& v) {
  std::string out;
  put_json(out, v, 0);
  out += '\n';
  return out;
}

std::string dollars_literal(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

}  // namespace cleave::tool
