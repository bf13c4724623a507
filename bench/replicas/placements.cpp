#include "bench/replicas/placements.hpp"

#include <boost/json.hpp>

#include "bench/replicas/replica_components.hpp"

namespace bench_replicas {

namespace {

namespace json = boost::json;

json::object replicated(const char* a, const char* b, const char* balance) {
  return {{"nodes", json::array{a, b}}, {"balance", balance}};
}

}  // namespace

const std::vector<std::string>& node_names() {
  static const std::vector<std::string> nodes{"caller", "r1", "r2", "r3"};
  return nodes;
}

std::string placement_text(const std::map<std::string, uint16_t>& ports) {
  json::object nodes;
  for (const auto& [node, port] : ports)
    nodes[node] = json::object{{"host", "127.0.0.1"}, {"port", port}};
  json::object components{
      {names::local, json::object{{"node", "caller"}}},
      {names::local_round_robin, replicated("caller", "r3", "round-robin")},
      {names::local_least_outstanding, replicated("caller", "r3", "least-outstanding")},
      {names::single, json::object{{"node", "r1"}}},
      {names::single_r2, json::object{{"node", "r2"}}},
      {names::round_robin, replicated("r1", "r2", "round-robin")},
      {names::least_outstanding, replicated("r1", "r2", "least-outstanding")},
      {names::round_robin_one_up, replicated("r1", "r3", "round-robin")},
  };
  return json::serialize(json::object{{"app", app_name},
                                      {"defaults", json::object{{"timeout_ms", 2000}}},
                                      {"nodes", std::move(nodes)},
                                      {"components", std::move(components)}});
}

}  // namespace bench_replicas
