// Parsing JSON text without Boost.JSON's one silent repair: of two equal keys in one object,
// Boost.JSON 1.81 keeps the last. Placement files (a component placed twice would lose one
// placement) and request bodies ({"qty":1,"qty":1000} would mean whatever the last parser in a
// chain decides) both refuse them, through this one parser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

namespace cleave::detail {

/// One step of a path into a JSON document: an object key or an array index.
struct json_step {
  bool is_key = true;
  std::string key;
  size_t index = 0;
};

struct strict_json {
  /// The document (null if parsing stopped).
  boost::json::value value;
  /// Why parsing stopped (none if it did not). A repeated key stops it with error::syntax and
  /// sets `duplicate`.
  boost::json::error_code ec;
  /// Bytes of the text read: where parsing stopped (the closing quote of a repeated key).
  size_t consumed = 0;
  /// The path of the repeated key, outermost first; empty if no key repeated.
  std::vector<json_step> duplicate;
};

/// Parses all of `text` (anything after the document is error::extra_data).
strict_json parse_strict(std::string_view text, const boost::json::parse_options& options = {});

}  // namespace cleave::detail
