#include "runtime/placement/json_text.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "runtime/core/detail/strict_json.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"

namespace cleave::placement_internal {

namespace json = boost::json;

namespace {

bool is_plain_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  return true;
}

// Where the key whose closing quote is at `close` starts: a handler stopping in on_key leaves the
// parser at the closing quote, but people look for the start of the key.
size_t key_start(std::string_view text, size_t close) {
  if (close >= text.size() || text[close] != '"') return close;
  for (size_t i = close; i-- > 0;) {
    if (text[i] != '"') continue;
    size_t backslashes = 0;
    while (backslashes < i && text[i - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return i;  // an unescaped quote opens the key
  }
  return close;
}

// The rest of the line at `offset`, short, so that a syntax error shows what the parser tripped on.
std::string excerpt_at(std::string_view text, size_t offset) {
  if (offset >= text.size()) return "end of input";
  auto rest = text.substr(offset);
  auto len = std::min(rest.find_first_of("\r\n"), size_t{24});
  // Never cut a UTF-8 character in half.
  while (len < rest.size() && (static_cast<unsigned char>(rest[len]) & 0xC0) == 0x80) --len;
  rest = rest.substr(0, len);
  return "`" + std::string(rest) + "`";
}

std::string malformed(const std::string& origin, std::string_view text, size_t offset,
                      const json::error_code& ec) {
  auto pos = position_of(text, offset);
  std::string reason;
  if (ec == json::error::incomplete)
    reason = "incomplete JSON: the text ends inside a value (a missing '}', ']' or '\"'?)";
  else
    reason = ec.message() + " at " + excerpt_at(text, offset);
  return origin + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
         ": malformed JSON: " + reason;
}

void render(const json::value& v, std::string& out, size_t budget) {
  if (out.size() > budget) return;
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out += detail::json_number_text(v.get_double());
      break;
    case json::kind::string:
      out += quote(v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        render(x, out, budget);
        if (out.size() > budget) return;
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += quote(kv.key());
        out += ':';
        render(kv.value(), out, budget);
        if (out.size() > budget) return;
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

caf::expected<json::value> parse_json_text(std::string_view text, const std::string& origin) {
  // Editors on Windows may start the file with a byte order mark, which is not JSON.
  size_t skipped = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") skipped = 3;
  auto body = text.substr(skipped);

  json::parse_options opts;
  opts.allow_comments = true;
  opts.allow_trailing_commas = true;
  auto parsed = detail::parse_strict(body, opts);
  if (!parsed.duplicate.empty()) {
    std::string dup;
    for (const auto& step : parsed.duplicate)
      dup = step.is_key ? path_key(dup, step.key) : path_index(dup, step.index);
    auto pos = position_of(body, key_start(body, parsed.consumed));
    std::string msg = origin + ": " + dup + ": key appears twice (again at line " +
                      std::to_string(pos.line) + ", column " + std::to_string(pos.column) + ")";
    if (parsed.duplicate.size() == 2 && parsed.duplicate[0].key == "components")
      msg +=
          ": the component is placed twice; to run it on several nodes, declare it replicated "
          "with \"nodes\": [...] plus \"balance\"";
    return make_error(errc::invalid_placement, std::move(msg));
  }
  if (parsed.ec)
    return make_error(errc::invalid_placement, malformed(origin, body, parsed.consumed, parsed.ec));
  return std::move(parsed.value);
}

text_position position_of(std::string_view text, size_t offset) {
  text_position pos;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // UTF-8 continuation bytes belong to the previous character
      ++pos.column;
    }
  }
  return pos;
}

std::string path_key(const std::string& parent, std::string_view key) {
  if (!is_plain_name(key)) return parent + "[" + quote(key) + "]";
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string path_index(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string display_path(const std::string& path) {
  return path.empty() ? "(top level)" : path;
}

std::string render_value(const json::value& v) {
  constexpr size_t limit = 60;
  std::string out;
  render(v, out, limit);
  if (out.size() > limit) out = out.substr(0, limit) + "...";
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

const char* kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

}  // namespace cleave::placement_internal
