#include "runtime/core/log.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include <boost/json/serializer.hpp>

#include "runtime/core/request_context.hpp"

namespace cleave {

namespace {

using system_clock = std::chrono::system_clock;

/// "2026-11-25T22:58:09" for `secs`, formatted once per second per thread (gmtime and strftime
/// cost more than the rest of a line).
const std::string& second_text(std::time_t secs) {
  thread_local std::time_t cached_secs = -1;
  thread_local std::string cached;
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::array<char, 32> buf{};
    cached.assign(buf.data(), std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm));
    cached_secs = secs;
  }
  return cached;
}

/// Builds a line's JSON text in place: no object is built and, once warm, nothing is allocated
/// (request logs write a line per request; building them as objects cost ~10 % of a gateway's
/// requests/s).
class line_writer {
 public:
  explicit line_writer(std::string& out) : out_(out) { out_.clear(); }

  void key(std::string_view k) {
    out_ += first_ ? '{' : ',';
    first_ = false;
    string(k);
    out_ += ':';
  }

  void string(std::string_view s) {
    sr_.reset(boost::json::string_view{s.data(), s.size()});
    drain();
  }

  void value(const boost::json::value& v) {
    sr_.reset(&v);
    drain();
  }

  void end() { out_ += first_ ? "{}\n" : "}\n"; }

 private:
  void drain() {
    std::array<char, 256> buf{};
    while (!sr_.done()) {
      auto part = sr_.read(buf.data(), buf.size());
      out_.append(part.data(), part.size());
    }
  }

  std::string& out_;
  bool first_ = true;
  boost::json::serializer sr_;
};

}  // namespace

std::string utc_timestamp() {
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(ms.count()));
  return second_text(secs) + frac.data();
}

void log(std::string_view level, std::string_view node, std::string_view msg,
         const boost::json::object& fields) {
  thread_local std::string text;
  line_writer w{text};
  // The fixed keys come first; a field of the same name gives the value, as assigning it into
  // one object would.
  auto fixed = [&](const char* key, std::string_view fallback) {
    w.key(key);
    if (const auto* v = fields.if_contains(key))
      w.value(*v);
    else
      w.string(fallback);
  };
  fixed("time", utc_timestamp());
  fixed("level", level);
  fixed("node", node);
  fixed("msg", msg);
  // Every line written while a thread works for a request says which one.
  const auto& request = current_request();
  bool with_request = !request.request_id.empty();
  if (with_request) fixed("request_id", request.request_id);
  for (const auto& kv : fields) {
    auto k = kv.key();
    if (k == "time" || k == "level" || k == "node" || k == "msg" ||
        (with_request && k == "request_id"))
      continue;
    w.key(k);
    w.value(kv.value());
  }
  w.end();
  static std::mutex mutex;
  std::lock_guard<std::mutex> guard{mutex};
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

bool log_limiter::admit(boost::json::object& fields) {
  uint64_t left_out = 0;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      admitted_in_window_ = 0;
    }
    if (admitted_in_window_ >= per_second_) {
      ++left_out_;
      return false;
    }
    ++admitted_in_window_;
    left_out = left_out_;
    left_out_ = 0;
  }
  if (left_out > 0) fields["not_logged_before"] = left_out;
  return true;
}

}  // namespace cleave
