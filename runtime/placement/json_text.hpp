// JSON text for placement files: parsing it strictly enough to refuse mistakes, and rendering
// values and paths back into error messages.
//
// Internal to cleave_placement; placement.cpp and overrides.cpp use it:
//
//   auto doc = parse_json_text(text, "configs/banano/local.json");
//   if (!doc) return doc.error();   // "configs/banano/local.json:3:5: malformed JSON: ..."
//   auto where = path_key(path_key("", "nodes"), "store");   // "nodes.store"
//   msg = where + ": found " + render_value(v) + " (" + kind_name(v) + ")";
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace cleave::placement_internal {

/// Parses `text` as JSON with `//` and `/* */` comments and trailing commas allowed. Refuses what
/// Boost.JSON would accept silently: a key appearing twice in one object (Boost keeps the last
/// one). Errors name `origin`: "ORIGIN:LINE:COL: malformed JSON: REASON" (1-based, columns count
/// UTF-8 characters) or "ORIGIN: PATH: key appears twice (...)".
caf::expected<boost::json::value> parse_json_text(std::string_view text, const std::string& origin);

/// The 1-based line and column of byte `offset` in `text` (columns count UTF-8 characters).
struct text_position {
  size_t line = 1;
  size_t column = 1;
};
text_position position_of(std::string_view text, size_t offset);

/// Appends object key `key` to the JSON path `parent` ("" is the top level): "nodes" + "store"
/// gives "nodes.store". Keys that are not plain names ([A-Za-z0-9_-]+) are quoted: `nodes["a b"]`.
std::string path_key(const std::string& parent, std::string_view key);

/// Appends array index `index` to the JSON path `parent`: "components.x.nodes[1]".
std::string path_index(const std::string& parent, size_t index);

/// `path` as shown in messages: the path itself, or "(top level)" for "".
std::string display_path(const std::string& path);

/// `v` as compact JSON for messages (strings quoted, doubles in shortest form, long values cut
/// with "...").
std::string render_value(const boost::json::value& v);

/// `s` as a JSON string literal: "\"nowhere\"".
std::string quote(std::string_view s);

/// The JSON kind of `v` as users know it: "string", "number", "boolean", "null", "object", "array".
const char* kind_name(const boost::json::value& v);

}  // namespace cleave::placement_internal
