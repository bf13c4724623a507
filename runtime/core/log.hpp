// Structured logs: one JSON object per line on stderr, with time, level and node.
//
//   cleave::log("info", "store", "listening", {{"address", "127.0.0.1:7101"}});
//   // {"time":"2026-11-25T22:58:09.123Z","level":"info","node":"store","msg":"listening",
//   //  "address":"127.0.0.1:7101"}
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace cleave {

/// The current UTC time as ISO 8601 with milliseconds, e.g. "2026-11-25T22:58:09.123Z".
std::string utc_timestamp();

/// Writes one log line (whole, never interleaved with another).
void log(std::string_view level, std::string_view node, std::string_view msg,
         const boost::json::object& fields = {});

}  // namespace cleave
