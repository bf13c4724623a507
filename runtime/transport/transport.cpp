#include "runtime/transport/transport.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/transport/certs.hpp"
#include "runtime/transport/detail/guarded_io.hpp"
#include "runtime/transport/detail/tls_library.hpp"

namespace cleave::transport {

namespace {

/// How long listen() waits for the network actor to open a port.
constexpr auto listen_timeout = std::chrono::seconds(10);

struct running_network {
  caf::actor actor;
  std::shared_ptr<detail::network_config> config;
  std::shared_ptr<detail::handshake_watch> watch;
};

std::mutex networks_mutex;
std::map<const caf::actor_system*, running_network> networks;

caf::error placement_error(const placement& plan, const std::string& path,
                           const std::string& text) {
  return make_error(errc::invalid_placement, plan.file + ": " + path + ": " + text);
}

bool readable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The key passphrase the placement points to ("" if none).
caf::expected<std::string> key_passphrase(const placement& plan) {
  const auto& sec = plan.security;
  if (!sec.key_passphrase_env.empty()) {
    const char* value = std::getenv(sec.key_passphrase_env.c_str());
    if (value == nullptr)
      return placement_error(plan, "security.key_passphrase_env",
                             "environment variable " + sec.key_passphrase_env + " is not set");
    return std::string{value};
  }
  if (sec.key_passphrase_file.empty()) return std::string{};
  auto path = plan.path_beside(sec.key_passphrase_file);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return placement_error(plan, "security.key_passphrase_file",
                           "cannot read " + path + ": " + std::strerror(errno));
  // A passphrase others can read protects nothing.
  if ((st.st_mode & 0077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    return placement_error(
        plan, "security.key_passphrase_file",
        path + " has mode 0" + mode.str() + ", expected 0600 or stricter (chmod 600 " + path + ")");
  }
  std::ifstream in{path};
  std::string line;
  std::getline(in, line);
  if (!in && !in.eof())
    return placement_error(plan, "security.key_passphrase_file", "cannot read " + path);
  return line;
}

}  // namespace

void configure(caf::actor_system_config& cfg, const placement_defaults& defaults) {
  cfg.load<caf::io::middleman>();
  // Off by default in CAF 0.17: without them a frozen or cut-off peer is never noticed.
  cfg.set("middleman.heartbeat-interval", caf::timespan{defaults.heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{defaults.connection_timeout});
  cfg.set("middleman.app-identifiers", std::vector<std::string>{protocol_identifier});
  // Automatic connections would open a plain listener on all interfaces.
  cfg.set("middleman.enable-automatic-connections", false);
}

caf::expected<network_settings> settings_for(const placement& plan, const std::string& identity) {
  network_settings out;
  out.identity = identity;
  out.insecure = plan.security.insecure;
  out.max_frame_bytes = plan.defaults.max_frame_bytes;
  out.handshake_timeout = plan.defaults.handshake_timeout;
  out.max_peer_connections = plan.defaults.max_peer_connections;
  out.peers.insert(tool_identity);
  for (const auto& [name, node] : plan.nodes) {
    out.peers.insert(name);
    out.nodes_by_address[node.host + ":" + std::to_string(node.port)] = name;
  }
  if (out.insecure) return out;
  if (auto lib = detail::tls(); !lib) return std::move(lib.error());
  auto dir = plan.certs_dir();
  if (plan.security.made_on_first_use()) {
    std::vector<std::string> identities{out.peers.begin(), out.peers.end()};
    if (auto err = ensure_certs(dir, plan.app, identities))
      return make_error(errc::unavailable,
                        "cannot make the cluster's certificates (" + describe(err) +
                            "): make them with `cleave certs " + plan.file +
                            "` and set security.certs, or set security.insecure");
  }
  auto files = files_of(dir, identity);
  out.ca_file = ca_cert_file(dir);
  out.cert_file = files.cert;
  out.key_file = files.key;
  for (const auto* f : {&out.ca_file, &out.cert_file, &out.key_file})
    if (!readable(*f))
      return placement_error(
          plan, "security.certs",
          "no file " + *f + " (make the certificates with `cleave certs " + plan.file + "`)");
  auto passphrase = key_passphrase(plan);
  if (!passphrase) return std::move(passphrase.error());
  out.key_passphrase = std::move(*passphrase);
  return out;
}

caf::error start(caf::actor_system& sys, const network_settings& settings) {
  auto config = std::make_shared<detail::network_config>();
  config->node = settings.identity;
  config->max_frame_bytes = settings.max_frame_bytes;
  config->handshake_timeout = settings.handshake_timeout;
  config->max_peer_connections = settings.max_peer_connections;
  config->nodes_by_address = settings.nodes_by_address;
  if (settings.insecure) {
    log("warning", settings.identity,
        "INSECURE: node connections are neither encrypted nor "
        "authenticated (security.insecure): anyone who can reach "
        "this node's port can call its components");
  } else {
    // OpenSSL writes with write(2): a peer gone mid-write would end the process with SIGPIPE
    // instead of failing that one connection.
    std::signal(SIGPIPE, SIG_IGN);
    auto tls = detail::load_tls_context(
        {settings.ca_file, settings.cert_file, settings.key_file, settings.key_passphrase},
        settings.peers);
    if (!tls) return std::move(tls.error());
    config->tls = std::move(*tls);
  }
  // Peers reach SpawnServ and ConfigServ by name: one spawns registered actor types, the other
  // stores whatever it is sent. Nothing of ours uses them.
  sys.registry().erase(caf::atom("SpawnServ"));
  sys.registry().erase(caf::atom("ConfigServ"));
  auto watch = std::make_shared<detail::handshake_watch>();
  auto actor = detail::spawn_network_actor(sys, config, watch);
  std::lock_guard<std::mutex> guard{networks_mutex};
  networks[&sys] = running_network{std::move(actor), std::move(config), std::move(watch)};
  return caf::none;
}

void stop(caf::actor_system& sys) {
  running_network entry;
  {
    std::lock_guard<std::mutex> guard{networks_mutex};
    auto i = networks.find(&sys);
    if (i == networks.end()) return;
    entry = std::move(i->second);
    networks.erase(i);
  }
  // A connection handed to BASP once the middleman has begun to stop is never closed, and it
  // keeps the network actor alive: ~actor_system then waits for ever. So no connect starts from
  // now on, and the one under way (a dial waits at most handshake_timeout) ends before the
  // middleman stops.
  entry.config->stopping = true;
  caf::scoped_actor self{sys, true};
  self->monitor(entry.actor);
  // CAF's middleman actor, which the network actor extends, ignores every exit reason but `kill`
  // (its exit handler is empty).
  self->send_exit(entry.actor, caf::exit_reason::kill);
  self->receive([](const caf::down_msg&) {},
                caf::after(entry.config->handshake_timeout + std::chrono::seconds(1)) >> [] {});
}

caf::actor network_of(const caf::actor_system& sys) {
  std::lock_guard<std::mutex> guard{networks_mutex};
  auto i = networks.find(&sys);
  return i != networks.end() ? i->second.actor : caf::actor{};
}

caf::expected<uint16_t> listen(caf::actor_system& sys, const caf::actor& gatekeeper,
                               const std::string& host, uint16_t port) {
  auto network = network_of(sys);
  auto where = host + ":" + std::to_string(port);
  if (!network)
    return make_error(errc::unavailable, "cannot listen on " + where + ": network not started");
  // CAF reports a name that does not resolve as "no local interface available".
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
    return make_error(errc::unavailable, "cannot listen on " + where + ": cannot resolve " + host +
                                             ": " + ::gai_strerror(rc));
  ::freeaddrinfo(found);
  caf::scoped_actor self{sys};
  caf::expected<uint16_t> out{caf::error{}};
  self->request(network, listen_timeout, caf::publish_atom::value, port,
                caf::actor_cast<caf::strong_actor_ptr>(gatekeeper), std::set<std::string>{}, host,
                true)
      .receive([&](uint16_t bound) { out = bound; },
               [&](caf::error& err) {
                 out = make_error(errc::unavailable,
                                  "cannot listen on " + where + ": " + describe(err));
               });
  return out;
}

}  // namespace cleave::transport
