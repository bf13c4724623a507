#include "runtime/middleware/request_id.hpp"

#include <strings.h>
#include <algorithm>
#include <cstdint>
#include <random>

namespace cleave::middleware {

namespace {

constexpr size_t max_id_length = 128;

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Replaces every header called `name` (any case: HTTP header names are case-insensitive) by one.
void set_header(http_response& res, const std::string& name, const std::string& value) {
  auto& hs = res.headers;
  hs.erase(
      std::remove_if(hs.begin(), hs.end(),
                     [&](const auto& h) { return strcasecmp(h.first.c_str(), name.c_str()) == 0; }),
      hs.end());
  hs.emplace_back(name, value);
}

}  // namespace

bool valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= max_id_length && std::all_of(id.begin(), id.end(), is_id_char);
}

http_middleware request_id(id_generator generate) {
  return [generate = std::move(generate)](http_handler next) -> http_handler {
    return [generate, next = std::move(next)](http_request& req, http_respond respond) {
      auto incoming = req.header("x-request-id");
      auto id = valid_request_id(incoming) ? std::move(incoming) : generate();
      req.request_id = id;
      next(req, [id = std::move(id), respond = std::move(respond)](http_response res) {
        set_header(res, "X-Request-Id", id);
        respond(std::move(res));
      });
    };
  };
}

}  // namespace cleave::middleware
