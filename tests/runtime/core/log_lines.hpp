// Reading the JSON log lines a test captured (runtime/core/log.hpp writes one object per line).
#pragma once

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

namespace core_test {

/// The log lines (JSON objects) in `text` that have "request_id" `id`.
inline std::vector<boost::json::object> log_lines_of(const std::string& text,
                                                     const std::string& id) {
  std::vector<boost::json::object> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    boost::system::error_code ec;
    auto v = boost::json::parse(text.substr(start, end - start), ec);
    if (!ec && v.is_object() && v.as_object().contains("request_id") &&
        v.as_object().at("request_id") == id.c_str())
      out.push_back(v.as_object());
    start = end + 1;
  }
  return out;
}

}  // namespace core_test
