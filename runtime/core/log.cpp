#include "runtime/core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include <boost/json/serialize.hpp>

#include "runtime/core/request_context.hpp"

namespace cleave {

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

void log(std::string_view level, std::string_view node, std::string_view msg,
         const boost::json::object& fields) {
  boost::json::object line;
  line["time"] = utc_timestamp();
  line["level"] = level;
  line["node"] = node;
  line["msg"] = msg;
  // Every line written while a thread works for a request says which one.
  if (const auto& request = current_request(); !request.request_id.empty())
    line["request_id"] = request.request_id;
  for (const auto& kv : fields) line[kv.key()] = kv.value();
  auto text = boost::json::serialize(line);
  text += '\n';
  static std::mutex mutex;
  std::lock_guard<std::mutex> guard{mutex};
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace cleave
