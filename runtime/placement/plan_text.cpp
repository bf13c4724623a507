#include <sstream>

#include "runtime/placement/placement.hpp"

namespace cleave {

std::string plan_text(const placement& plan) {
  std::ostringstream out;
  const auto& d = plan.defaults;
  out << "app " << plan.app << " (" << plan.file << ")\n"
      << "defaults: timeout " << d.timeout.count() << " ms, heartbeat " << d.heartbeat.count()
      << " ms, connection timeout " << d.connection_timeout.count() << " ms, serialize_local "
      << (d.serialize_local ? "true" : "false") << "\n";
  if (plan.nodes.size() > 1) {
    if (plan.security.insecure)
      out << "security: INSECURE (plain connections between nodes, no authentication)\n";
    else
      out << "security: mutual TLS, certificates in " << plan.certs_dir()
          << (plan.security.made_on_first_use() ? " (made on first use)" : "") << "\n";
  }
  if (plan.registry.enabled())
    out << "registry: etcd http://" << plan.registry.etcd_host << ":" << plan.registry.etcd_port
        << ", lease " << plan.registry.lease_ttl_s
        << " s: every instance of a node registers, and calls spread over all instances "
           "registered (round-robin unless said)\n";
  size_t width = 0;
  for (const auto& kv : plan.nodes) width = std::max(width, kv.first.size());
  for (const auto& [name, node] : plan.nodes) {
    std::string address = node.host + ":" + (node.port == 0 ? "-" : std::to_string(node.port));
    out << "node " << name << std::string(width - name.size(), ' ') << "  " << address << "  ";
    auto hosted = plan.components_on(name);
    if (hosted.empty()) out << "(no components)";
    for (size_t i = 0; i < hosted.size(); ++i) {
      const auto& spec = plan.components.at(hosted[i]);
      out << (i == 0 ? "" : ", ") << hosted[i];
      // With a registry every component may have instances; the line above says so once.
      bool say = spec.nodes.size() > 1 || (spec.discovered && spec.balance != "round-robin");
      if (spec.replicated() && !spec.route_by.empty())
        out << " (replica, keyed by " << spec.route_by << ")";
      else if (say)
        out << " (replica, " << spec.balance << ")";
    }
    if (!node.admin.empty()) out << "  (admin http://" << node.admin << ")";
    out << "\n";
  }
  for (const auto& [name, topic] : plan.topics) {
    out << "topic " << name << ": ";
    if (topic.nats())
      out << "NATS JetStream at " << topic.url << ", ack wait " << topic.ack_wait.count()
          << " ms (at least once)\n";
    else
      out << "cluster (at most once)\n";
  }
  return out.str();
}

}  // namespace cleave
