// Request logging: one JSON line per request, with its id, status and duration.
//
// Each request that passes through gives one line (level "info", msg "request") with the fields
//   method, path, route ("" if no route matched), status, request_id, elapsed_us,
//   request_bytes, response_bytes
// and, when `log_bodies` is set, request_body and response_body (each cut to `max_body_bytes`,
// with request_body_truncated / response_body_truncated set to true when cut). Fields are read
// when the answer comes, now or later (elapsed_us runs until then), so request_id is set wherever
// the request-id middleware sits in the chain. If the inner handler throws before answering, the
// line says status 500 and "exception", and the exception goes on. A handler that never answers
// gets no line.
//
//   auto h = cleave::chain({request_id(), request_log("front")})(handler);
//   // tests: capture the lines
//   std::vector<boost::json::object> lines;
//   auto mw = request_log("front", {}, [&](const boost::json::object& l) { lines.push_back(l); });
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <boost/json/object.hpp>

#include "runtime/gateway/http.hpp"
#include "runtime/middleware/clock.hpp"

namespace cleave::middleware {

struct request_log_config {
  /// Log request and response bodies. Default false: bodies may hold personal data or secrets,
  /// and they make lines long.
  bool log_bodies = false;
  /// The most bytes of each body logged when log_bodies is set; cut at a UTF-8 character
  /// boundary so the line stays valid JSON text. Default 1024.
  size_t max_body_bytes = 1024;
};

/// Receives one log line as an object: "level", "node", "msg" and the request's fields
/// (everything cleave::log writes except "time").
using log_sink = std::function<void(const boost::json::object& line)>;

/// The sink that writes a line with cleave::log (which adds the time) to stderr.
log_sink default_log_sink();

/// Middleware: logs each request of node `node` to `sink`, timing it with `now`.
http_middleware request_log(std::string node, request_log_config cfg = {},
                            log_sink sink = default_log_sink(), clock_fn now = steady_now);

}  // namespace cleave::middleware
