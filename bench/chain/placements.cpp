#include "bench/chain/placements.hpp"

#include <boost/json.hpp>

#include "bench/chain/chain_components.hpp"

namespace chain_bench {

namespace {

namespace json = boost::json;

/// The benchmark's gateway: limits off, so that it measures the route and the calls only.
json::object gateway_config(uint16_t port) {
  return {{"listen", "127.0.0.1:" + std::to_string(port)},
          {"request_log", json::object{{"enabled", false}}}};
}

std::string placement_text(json::object nodes, json::object components) {
  return json::serialize(json::object{{"app", app_name},
                                      {"defaults", json::object{{"timeout_ms", 2000}}},
                                      {"nodes", std::move(nodes)},
                                      {"components", std::move(components)}});
}

json::object chain_on_main() {
  json::object components;
  for (const auto& name : chain_names()) components[name] = json::object{{"node", "main"}};
  return components;
}

}  // namespace

std::string chain_only_placement() {
  return placement_text({{"main", json::object{{"host", "127.0.0.1"}}}}, chain_on_main());
}

std::string monolith_placement(uint16_t http_port) {
  auto components = chain_on_main();
  components["gateway"] = json::object{{"node", "main"}, {"config", gateway_config(http_port)}};
  return placement_text({{"main", json::object{{"host", "127.0.0.1"}}}}, std::move(components));
}

std::string split_placement(const std::map<std::string, uint16_t>& ports, bool insecure) {
  json::object nodes;
  for (const auto& [node, port] : ports)
    nodes[node] = json::object{{"host", "127.0.0.1"}, {"port", port}};
  json::object components;
  const std::string homes[] = {"a", "b", "c", "d"};
  for (std::size_t i = 0; i < chain_names().size(); ++i)
    components[chain_names()[i]] = json::object{{"node", homes[i]}};
  components["gateway"] = json::object{{"node", "a"}, {"config", gateway_config(0)}};
  auto text = placement_text(std::move(nodes), std::move(components));
  if (!insecure) return text;
  auto doc = json::parse(text).as_object();
  doc["security"] = json::object{{"insecure", true}};
  return json::serialize(doc);
}

caf::expected<cleave::placement> parse(const std::string& text, const std::string& origin,
                                       bool with_gateway) {
  cleave::placement_options opts;
  opts.app = app_name;
  opts.known_components = chain_names();
  if (with_gateway) opts.known_components.push_back("gateway");
  return cleave::parse_placement(text, origin, opts);
}

}  // namespace chain_bench
