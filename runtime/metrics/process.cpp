#include "runtime/metrics/process.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

namespace cleave::metrics {

namespace {

// Fallback origin for uptime when /proc cannot say when the process started.
const auto loaded_at = std::chrono::steady_clock::now();

std::string slurp(const char* path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

// Splits off the next whitespace-separated token of `text`.
std::string_view next_token(std::string_view& text) {
  size_t begin = 0;
  while (begin < text.size() && is_space(text[begin])) ++begin;
  size_t end = begin;
  while (end < text.size() && !is_space(text[end])) ++end;
  auto token = text.substr(begin, end - begin);
  text.remove_prefix(end);
  return token;
}

std::optional<uint64_t> to_u64(std::string_view token) {
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc{} || ptr != token.data() + token.size() || token.empty()) return std::nullopt;
  return out;
}

std::optional<double> proc_uptime_seconds() {
  // "/proc/uptime" is "12345.67 54321.00": seconds since boot first. from_chars, unlike strtod,
  // does not depend on the locale's decimal point.
  auto text = slurp("/proc/uptime");
  std::string_view view{text};
  auto token = next_token(view);
  double out = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc{} || token.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm) {
  next_token(statm);  // total program size
  return to_u64(next_token(statm));
}

std::optional<uint64_t> parse_status_threads(std::string_view status) {
  constexpr std::string_view key = "Threads:";
  size_t at = 0;
  while (at < status.size()) {
    auto eol = status.find('\n', at);
    auto line =
        status.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
    if (line.substr(0, key.size()) == key) {
      line.remove_prefix(key.size());
      return to_u64(next_token(line));
    }
    if (eol == std::string_view::npos) break;
    at = eol + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_stat_start_ticks(std::string_view stat) {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')', so fields
  // are counted from the last ')'. The token after it is field 3; field 22 is 19 tokens later.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  stat.remove_prefix(close + 1);
  for (int i = 0; i < 19; ++i)
    if (next_token(stat).empty()) return std::nullopt;
  return to_u64(next_token(stat));
}

process_stats read_process_stats() {
  process_stats out;
  auto page = sysconf(_SC_PAGESIZE);
  if (auto pages = parse_statm_resident_pages(slurp("/proc/self/statm")); pages && page > 0)
    out.resident_memory_bytes = *pages * static_cast<uint64_t>(page);
  if (auto threads = parse_status_threads(slurp("/proc/self/status"))) out.threads = *threads;
  auto ticks_per_second = sysconf(_SC_CLK_TCK);
  auto start = parse_stat_start_ticks(slurp("/proc/self/stat"));
  auto since_boot = proc_uptime_seconds();
  if (start && since_boot && ticks_per_second > 0) {
    out.uptime_seconds =
        *since_boot - static_cast<double>(*start) / static_cast<double>(ticks_per_second);
    if (out.uptime_seconds < 0) out.uptime_seconds = 0;
  } else {
    out.uptime_seconds =
        std::chrono::duration<double>{std::chrono::steady_clock::now() - loaded_at}.count();
  }
  return out;
}

}  // namespace cleave::metrics
