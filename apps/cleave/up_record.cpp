#include "apps/cleave/up_record.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace cleave::tool {

namespace fs = std::filesystem;

std::string up_record_file(const std::string& placement_file) {
  fs::path p{placement_file};
  return (p.parent_path() / ".cleave" / (p.filename().string() + ".up.json")).string();
}

bool write_up_record(const std::string& file, const finished_nodes& finished) {
  boost::json::object nodes;
  for (const auto& [name, f] : finished)
    nodes[name] = boost::json::object{{"finished_at", f.at}, {"address", f.address}};
  boost::json::object doc{{"pid", static_cast<int64_t>(::getpid())}, {"nodes", std::move(nodes)}};
  std::error_code ec;
  fs::create_directories(fs::path{file}.parent_path(), ec);
  auto temp = file + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out{temp, std::ios::trunc};
    out << boost::json::serialize(doc) << "\n";
    if (!out) return false;
  }
  fs::rename(temp, file, ec);
  return !ec;
}

finished_nodes read_up_record(const std::string& file) {
  finished_nodes out;
  std::ifstream in{file};
  if (!in) return out;
  std::stringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  auto doc = boost::json::parse(text.str(), ec);
  if (ec || !doc.is_object()) return out;
  const auto& obj = doc.get_object();
  const auto* pid = obj.if_contains("pid");
  const auto* nodes = obj.if_contains("nodes");
  if (pid == nullptr || !pid->is_int64() || nodes == nullptr || !nodes->is_object()) return out;
  // A record left by a `cleave up` that was killed says nothing about what runs now.
  if (::kill(static_cast<pid_t>(pid->get_int64()), 0) != 0 && errno == ESRCH) return out;
  for (const auto& kv : nodes->get_object()) {
    if (!kv.value().is_object()) continue;
    const auto* at = kv.value().get_object().if_contains("finished_at");
    const auto* address = kv.value().get_object().if_contains("address");
    if (at != nullptr && at->is_string() && address != nullptr && address->is_string())
      out[kv.key()] = {std::string{at->get_string()}, std::string{address->get_string()}};
  }
  return out;
}

}  // namespace cleave::tool
