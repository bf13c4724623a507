// Process gauges read from /proc: resident memory, thread count, uptime.
//
// The registry renders these at each scrape (see registry::options::process_metrics); they are
// separate so the parsing can be tested on fixed text:
//
//   auto stats = cleave::metrics::read_process_stats();
//   std::cout << stats.resident_memory_bytes << " bytes, " << stats.threads << " threads\n";
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cleave::metrics {

struct process_stats {
  /// Resident set size, from /proc/self/statm; 0 if unreadable.
  uint64_t resident_memory_bytes = 0;
  /// OS threads, from /proc/self/status; 0 if unreadable.
  uint64_t threads = 0;
  /// Seconds since the process started (from /proc/self/stat and /proc/uptime; if those cannot be
  /// read, since this library was loaded).
  double uptime_seconds = 0;
};

/// Reads the current process's stats.
process_stats read_process_stats();

/// The resident pages (second field) of /proc/self/statm text, or nullopt if malformed.
std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm);

/// The value of the "Threads:" line of /proc/self/status text, or nullopt if absent.
std::optional<uint64_t> parse_status_threads(std::string_view status);

/// The start time (field 22, clock ticks after boot) of /proc/self/stat text, or nullopt.
std::optional<uint64_t> parse_stat_start_ticks(std::string_view stat);

}  // namespace cleave::metrics
