// Structured logs: one JSON object per line on stderr, with time, level and node.
//
//   cleave::log("info", "store", "listening", {{"address", "127.0.0.1:7101"}});
//   // {"time":"2026-11-25T22:58:09.123Z","level":"info","node":"store","msg":"listening",
//   //  "address":"127.0.0.1:7101"}
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace cleave {

/// The current UTC time as ISO 8601 with milliseconds, e.g. "2026-11-25T22:58:09.123Z".
std::string utc_timestamp();

/// Writes one log line (whole, never interleaved with another).
void log(std::string_view level, std::string_view node, std::string_view msg,
         const boost::json::object& fields = {});

/// Bounds lines a peer can cause (refused connections, dropped messages): at most `per_second`
/// a second, the next admitted line saying how many were left out.
class log_limiter {
 public:
  explicit log_limiter(int per_second) : per_second_(per_second) {}

  /// True if a line may be written now; then `fields` gets "not_logged_before": N if lines
  /// were left out since the last one.
  bool admit(boost::json::object& fields);

 private:
  int per_second_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_;
  int admitted_in_window_ = 0;
  uint64_t left_out_ = 0;
};

}  // namespace cleave
