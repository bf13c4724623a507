#include "apps/cleave/deploy.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <boost/json/value.hpp>

#include "apps/cleave/deploy_text.hpp"
#include "runtime/core/error.hpp"
#include "runtime/placement/json_text.hpp"
#include "runtime/placement/overrides.hpp"

namespace cleave::tool {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using placement_internal::path_key;
using placement_internal::quote;

caf::error refuse(const placement& plan, const std::string& path, const std::string& text) {
  return make_error(errc::invalid_placement, plan.file + ": " + path + ": " + text);
}

caf::error bad_option(const std::string& option, const std::string& text) {
  return make_error(errc::invalid_argument, option + ": " + text);
}

bool containers(deploy_target t) {
  return t != deploy_target::systemd;
}

/// `name` as a DNS label: lower case, '_' as '-'.
std::string dns_label(const std::string& name) {
  std::string out;
  for (char c : name)
    out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Why `label` is not a DNS-1123 label (or, with `letter_first`, a DNS-1035 label, as Kubernetes
/// wants for Service names); "" if it is one.
std::string label_problem(const std::string& label, bool letter_first) {
  if (label.empty() || label.size() > 63) return "1 to 63 characters";
  for (char c : label)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-')
      return "only a-z, 0-9 and '-'";
  if (label.front() == '-' || label.back() == '-') return "no '-' at either end";
  if (letter_first && std::isalpha(static_cast<unsigned char>(label.front())) == 0)
    return "a letter first (Kubernetes Service names are DNS-1035 labels)";
  return "";
}

/// The port of "host:port" or "[v6]:port"; nullopt if there is none.
std::optional<uint16_t> port_of(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long port = std::strtol(address.c_str() + colon + 1, &end, 10);
  if (colon + 1 == address.size() || *end != '\0' || errno != 0 || port < 0 || port > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(port);
}

std::string host_of(const std::string& address) {
  auto colon = address.rfind(':');
  auto host = colon == std::string::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

/// A host as one machine's name for it: every loopback address is the same machine.
std::string machine_of(const std::string& host) {
  return loopback(host) ? "127.0.0.1" : host;
}

/// The object at `key` of `obj`, made if missing.
json::object& member_object(json::object& obj, const std::string& key) {
  auto& v = obj[key];
  if (!v.is_object()) v = json::object{};
  return v.get_object();
}

/// Every `${NAME}` or `${NAME:-default}` in the strings of `v`, in document order.
void collect_vars(const json::value& v,
                  std::vector<std::pair<std::string, std::optional<std::string>>>& out) {
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) collect_vars(kv.value(), out);
  } else if (v.is_array()) {
    for (const auto& item : v.get_array()) collect_vars(item, out);
  } else if (v.is_string()) {
    std::string s{v.get_string()};
    for (size_t at = s.find("${"); at != std::string::npos; at = s.find("${", at + 2)) {
      auto close = s.find('}', at);
      if (close == std::string::npos) break;
      auto inner = s.substr(at + 2, close - at - 2);
      auto dash = inner.find(":-");
      if (dash == std::string::npos)
        out.emplace_back(inner, std::nullopt);
      else
        out.emplace_back(inner.substr(0, dash), inner.substr(dash + 2));
    }
  }
}

caf::expected<std::string> read_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(errc::invalid_placement, path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The placement document as written, with the --set overrides applied (values not expanded).
caf::expected<json::object> raw_document(const deploy_options& opts) {
  auto text = read_text(opts.file);
  if (!text) return std::move(text.error());
  auto doc = placement_internal::parse_json_text(*text, opts.file);
  if (!doc) return std::move(doc.error());
  placement_internal::value_origins origins;
  for (const auto& o : opts.overrides)
    if (auto err = placement_internal::apply_override(*doc, o, origins)) return err;
  if (!doc->is_object())
    return make_error(errc::invalid_placement, opts.file + ": (top level): expected an object");
  return std::move(doc->get_object());
}

bool absolute(const std::string& path) {
  return !path.empty() && path.front() == '/';
}

/// True if `path` (normalised) is `dir` or inside it.
bool inside(const fs::path& path, const fs::path& dir) {
  auto rel = path.lexically_normal().lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

/// Names every node's service and checks that they are usable and distinct.
caf::error name_services(deploy_plan& out, deploy_target target) {
  std::map<std::string, std::string> taken;  // service -> node
  for (auto& node : out.nodes) {
    node.service = containers(target) ? dns_label(node.name) : node.name;
    if (!containers(target)) continue;
    auto problem = label_problem(node.service, target == deploy_target::kubernetes);
    if (!problem.empty())
      return refuse(out.plan, "nodes." + node.name,
                    "node name " + quote(node.name) + " gives service name " + quote(node.service) +
                        ", expected a DNS label (" + problem + "): rename the node");
    auto [it, fresh] = taken.emplace(node.service, node.name);
    if (!fresh)
      return refuse(out.plan, "nodes." + node.name,
                    "service name " + quote(node.service) +
                        " (the node name in lower case, '_' as "
                        "'-') is node " +
                        quote(it->second) +
                        "'s too, expected each node to have its own: rename one of them");
  }
  return {};
}

/// Ports of each node, and the check that none is bound twice where they share a network: one
/// machine for systemd (a node's ports are all on the machine its host names; two bindings of a
/// port clash when their addresses are the same, or one is a wildcard), one container (and, for
/// published gateway ports, the Docker host) otherwise.
caf::error assign_ports(deploy_plan& out, const deploy_options& opts) {
  const auto& plan = out.plan;
  struct use {
    std::string host;   // the address bound, as one machine names it
    std::string where;  // JSON path
    std::string node;
  };
  std::map<std::pair<std::string, uint16_t>, std::vector<use>> bound;  // (network, port) -> uses
  auto wildcard = [](const std::string& h) {
    return h.empty() || h == "0.0.0.0" || h == "::";
  };
  auto bind = [&](const std::string& network, const std::string& host, uint16_t port,
                  const std::string& where, const std::string& node) -> caf::error {
    if (port == 0) return {};
    auto& uses = bound[{network, port}];
    auto h = machine_of(host);
    for (const auto& u : uses) {
      if (u.host != h && !wildcard(u.host) && !wildcard(h)) continue;
      std::string place = network == "published"    ? "on the Docker host (published)"
                          : containers(opts.target) ? "in node " + quote(node) + "'s container"
                                                    : "on host " + network;
      auto other = u.where + "'s";
      if (u.where.rfind("nodes.", 0) != 0) other += " (on node " + quote(u.node) + ")";
      return refuse(plan, where,
                    "port " + std::to_string(port) + " " + place + " is also " + other +
                        ", expected each port to be bound once: change one of them");
    }
    uses.push_back({h, where, node});
    return {};
  };
  auto network_of = [&](const std::string& node) {
    return containers(opts.target) ? node : machine_of(plan.nodes.at(node).host);
  };
  for (auto& node : out.nodes) {
    const auto& spec = plan.nodes.at(node.name);
    node.port = spec.port;
    std::string at = "nodes." + node.name;
    auto network = network_of(node.name);
    if (auto err = bind(network, spec.host, node.port, at + ".port", node.name)) return err;
    std::string admin_host = host_of(spec.admin);
    if (!spec.admin.empty()) node.admin_port = port_of(spec.admin).value_or(0);
    if (containers(opts.target)) {
      if (node.admin_port == 0) node.admin_port = opts.admin_port;
      admin_host = "0.0.0.0";
    }
    if (auto err = bind(network, admin_host, node.admin_port, at + ".admin", node.name)) return err;
  }
  for (const auto& [name, comp] : plan.components) {
    auto listen = comp.config.find("listen");
    if (listen == comp.config.end() || !listen->value().is_string()) continue;
    std::string address{listen->value().get_string()};
    auto port = port_of(address).value_or(0);
    auto host = containers(opts.target) ? std::string{"0.0.0.0"} : host_of(address);
    auto where = path_key(path_key(path_key("components", name), "config"), "listen");
    for (const auto& node_name : comp.nodes) {
      auto node = std::find_if(out.nodes.begin(), out.nodes.end(),
                               [&](const auto& n) { return n.name == node_name; });
      node->http_ports.push_back(port);
      if (auto err = bind(network_of(node_name), host, port, where, node_name)) return err;
      if (opts.target == deploy_target::compose)
        if (auto err = bind("published", "0.0.0.0", port, where, node_name)) return err;
    }
  }
  return {};
}

/// Moves every state file into the state folder (relative paths go under it; absolute ones must
/// already be there) and marks the nodes that keep state.
caf::error place_state(deploy_plan& out, json::object& components) {
  for (const auto& [name, comp] : out.plan.components) {
    if (comp.state.empty()) continue;
    auto where = path_key(path_key("components", name), "state");
    fs::path target =
        absolute(comp.state) ? fs::path{comp.state} : fs::path{out.state_dir} / comp.state;
    if (!inside(target, out.state_dir))
      return refuse(out.plan, where,
                    "found " + quote(comp.state) + ", expected a path inside " + out.state_dir +
                        " (the only folder the nodes may write: use a relative path, or " +
                        "--state-dir)");
    member_object(components, name)["state"] = target.lexically_normal().string();
    for (auto& node : out.nodes)
      if (std::find(comp.nodes.begin(), comp.nodes.end(), node.name) != comp.nodes.end())
        node.has_state = true;
  }
  return {};
}

/// Rewrites the document for the target: addresses, state files, certificates.
caf::error rewrite(deploy_plan& out, const deploy_options& opts) {
  auto& doc = out.doc;
  auto& nodes = member_object(doc, "nodes");
  if (containers(opts.target)) {
    for (const auto& node : out.nodes) {
      auto& n = member_object(nodes, node.name);
      // Peers dial the service name; the node binds what it resolves to inside its own container
      // (its own address: compose and the pod's hostname put it in /etc/hosts).
      n["host"] = node.service;
      // Probes and operators reach the admin port from outside the container.
      n["admin"] = "0.0.0.0:" + std::to_string(node.admin_port);
    }
    auto& components = member_object(doc, "components");
    for (const auto& [name, comp] : out.plan.components) {
      auto listen = comp.config.find("listen");
      if (listen == comp.config.end() || !listen->value().is_string()) continue;
      auto port = port_of(std::string{listen->value().get_string()}).value_or(0);
      member_object(member_object(components, name), "config")["listen"] =
          "0.0.0.0:" + std::to_string(port);
    }
  }
  if (auto err = place_state(out, member_object(doc, "components"))) return err;
  if (out.tls) {
    auto& security = member_object(doc, "security");
    if (containers(opts.target)) {
      if (!out.plan.security.key_passphrase_file.empty())
        return refuse(out.plan, "security.key_passphrase_file",
                      std::string{"a passphrase file is not mounted by the "} +
                          to_string(opts.target) + " target: use key_passphrase_env");
      security["certs"] = container_certs;
    } else if (out.plan.security.certs.empty()) {
      // Certificates made on first use would differ per host: they are made once, by
      // `cleave certs`, into the folder beside the placement.
      security["certs"] = "certs";
    }
  }
  return {};
}

/// --replicas: only a node whose pods are interchangeable instances may run several, which the
/// registry makes possible (each pod registers its own address) and which keyed routing and state
/// files rule out (a pod's keys and records would not follow it when it is replaced).
caf::error assign_replicas(deploy_plan& out, const deploy_options& opts) {
  const auto& plan = out.plan;
  for (const auto& [name, count] : opts.replicas) {
    std::string option = "--replicas " + name + "=" + std::to_string(count);
    if (opts.target != deploy_target::kubernetes)
      return bad_option(option, "replica counts are for --to kubernetes only");
    auto node = std::find_if(out.nodes.begin(), out.nodes.end(),
                             [&, n = name](const auto& x) { return x.name == n; });
    if (node == out.nodes.end()) return refuse(plan, "nodes", option + ": no node " + quote(name));
    if (count < 1 || count > 1000)
      return bad_option(option, "expected a count of pods from 1 to 1000");
    if (!plan.registry.enabled())
      return refuse(plan, "registry",
                    option +
                        ": missing, expected a registry: without one a node is one named "
                        "process, dialled at one address (docs/deploy.md)");
    for (const auto& comp_name : plan.components_on(name)) {
      const auto& comp = plan.components.at(comp_name);
      auto at = path_key("components", comp_name);
      if (!comp.state.empty())
        return refuse(plan, path_key(at, "state"),
                      option + ": " + quote(comp_name) +
                          " keeps a state file, so its pods are not interchangeable: each "
                          "would keep records of its own");
      if (!comp.route_by.empty())
        return refuse(plan, path_key(at, "route_by"),
                      option + ": " + quote(comp_name) +
                          " is keyed, so its pods are not interchangeable: its keys follow "
                          "instance names, which change when a pod is replaced");
    }
    node->replicas = count;
    node->instances = true;
  }
  return {};
}

void fill_env(deploy_plan& out) {
  std::vector<std::pair<std::string, std::optional<std::string>>> vars;
  collect_vars(out.doc, vars);
  for (const auto& [name, fallback] : vars) {
    if (out.env.count(name) != 0) continue;
    const char* set = std::getenv(name.c_str());
    if (set != nullptr && (*set != '\0' || !fallback))
      out.env[name] = set;
    else
      out.env[name] = fallback.value_or("");
  }
}

void add_notes(deploy_plan& out, deploy_target target) {
  if (!containers(target)) return;
  auto note = [&](const std::string& path, const std::string& host) {
    if (loopback(host))
      out.notes.push_back(path + " is " + host +
                          ", which inside a container is the container itself: set the variable "
                          "behind it when running cleave deploy, or edit the environment");
  };
  if (out.plan.registry.enabled()) note("registry.etcd", out.plan.registry.etcd_host);
  for (const auto& [name, topic] : out.plan.topics) {
    if (!topic.nats()) continue;
    auto rest = topic.url.substr(topic.url.find("//") + 2);
    note(path_key(path_key("topics", name), "url"), host_of(rest));
  }
}

}  // namespace

const char* to_string(deploy_target target) {
  switch (target) {
    case deploy_target::systemd:
      return "systemd";
    case deploy_target::compose:
      return "compose";
    case deploy_target::kubernetes:
      return "kubernetes";
  }
  return "?";
}

caf::expected<deploy_plan> make_deploy_plan(const deploy_options& opts) {
  placement_options popts;
  popts.overrides = opts.overrides;
  auto plan = load_placement(opts.file, popts);
  if (!plan) return std::move(plan.error());
  auto doc = raw_document(opts);
  if (!doc) return std::move(doc.error());
  deploy_plan out;
  out.plan = std::move(*plan);
  out.doc = std::move(*doc);
  const auto& app = out.plan.app;
  out.app_label = dns_label(app);
  // The app names the binary, the units, the image and the objects.
  if (auto problem = label_problem(out.app_label, true); !problem.empty())
    return refuse(out.plan, "app",
                  "found " + quote(app) + ", expected a name that makes a DNS label (" + problem +
                      ") for the unit, image and object names");
  out.config_dir = opts.config_dir.empty() ? "/etc/cleave/" + app : opts.config_dir;
  out.state_dir = containers(opts.target)
                      ? container_state
                      : (opts.state_dir.empty() ? "/var/lib/cleave-" + app : opts.state_dir);
  out.image = opts.image.empty() ? "cleave-" + out.app_label + ":latest" : opts.image;
  for (const auto& [option, value] : {std::pair{"--bin-dir", opts.bin_dir},
                                      {"--config-dir", out.config_dir},
                                      {"--state-dir", out.state_dir}})
    if (!absolute(value) || value.find_first_of(" \t\n\"'\\%$") != std::string::npos)
      return bad_option(option, "found " + quote(value) +
                                    ", expected an absolute path without spaces, quotes, '%' "
                                    "or '$'");
  out.tls = out.plan.nodes.size() > 1 && !out.plan.security.insecure;
  for (const auto& kv : out.plan.nodes) {
    deploy_node node;
    node.name = kv.first;
    out.nodes.push_back(std::move(node));
  }
  if (auto err = name_services(out, opts.target)) return err;
  if (auto err = assign_ports(out, opts)) return err;
  if (auto err = rewrite(out, opts)) return err;
  if (auto err = assign_replicas(out, opts)) return err;
  fill_env(out);
  add_notes(out, opts.target);
  return out;
}

caf::expected<std::vector<std::string>> write_deploy_files(const deploy_plan& plan,
                                                           const deploy_options& opts,
                                                           const std::string& dir) {
  std::vector<deploy_file> files;
  switch (opts.target) {
    case deploy_target::systemd:
      files = systemd_files(plan, opts);
      break;
    case deploy_target::compose:
      files = compose_files(plan);
      files.push_back(dockerfile(plan));
      break;
    case deploy_target::kubernetes:
      files = kubernetes_files(plan);
      files.push_back(dockerfile(plan));
      break;
  }
  files.push_back({"placement.json", "// Made by `cleave deploy --to " +
                                         std::string{to_string(opts.target)} + "` from " +
                                         plan.plan.file + ".\n" + pretty_json(plan.doc)});
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(errc::unavailable, "cannot make " + dir + ": " + ec.message());
  std::vector<std::string> written;
  for (const auto& f : files) {
    auto path = (fs::path{dir} / f.name).string();
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << f.text;
    out.close();
    if (!out) return make_error(errc::unavailable, "cannot write " + path);
    ::chmod(path.c_str(), f.mode);
    written.push_back(path);
  }
  return written;
}

}  // namespace cleave::tool
