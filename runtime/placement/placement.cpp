#include "runtime/placement/placement.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <set>

#include <boost/json/value.hpp>

#include "runtime/core/detail/suggest.hpp"
#include "runtime/core/error.hpp"
#include "runtime/placement/json_text.hpp"
#include "runtime/placement/overrides.hpp"

namespace cleave {

namespace json = boost::json;
using namespace placement_internal;

namespace {

// Longer durations overflow clock arithmetic sooner or later, and no deadline needs them.
constexpr int64_t max_millis = 31'536'000'000;  // one year

const char* const balance_kinds[] = {"round-robin", "least-outstanding", "random"};

/// A C identifier: what a member of a request struct can be named.
bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  });
}

/// "host:port" or "[v6]:port" with a port of 0..65535.
bool is_host_port(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoi(std::string{port}) <= 65535;
}

const std::initializer_list<const char*> top_level_keys = {
    "app", "defaults", "security", "registry", "nodes", "components", "topics"};

bool is_topic_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

bool is_node_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

using detail::quoted_list;
using detail::suggestion;

// Turns the JSON document into a `placement`, stopping at the first problem. Checks run section by
// section (unknown top-level keys, app, defaults, nodes, components, the app's component list) and
// within a section in document order, so the same file always gives the same error.
class validator {
 public:
  validator(const std::string& file, const value_origins& origins, const placement_options& opts)
      : file_(file), origins_(origins), opts_(opts) {}

  caf::expected<placement> run(const json::value& doc) {
    result_.file = file_;
    if (!doc.is_object())
      return wrong_type("", doc, "an object with \"app\", \"nodes\" and \"components\"");
    const auto& top = doc.get_object();
    for (const auto& kv : top)
      if (!is_one_of(kv.key(), top_level_keys)) return unknown_key("", kv.key(), top_level_keys);
    if (auto err = read_app(top)) return err;
    if (auto err = read_defaults(top)) return err;
    if (auto err = read_security(top)) return err;
    if (auto err = read_registry(top)) return err;
    if (auto err = read_nodes(top)) return err;
    // Instances register the address where they accept peers, which only networked nodes open.
    if (result_.registry.enabled() && result_.nodes.size() < 2)
      return fail("registry",
                  "found a registry in a placement with one node, expected two or "
                  "more nodes (instances register the port where they accept peers)");
    if (auto err = read_components(top)) return err;
    if (auto err = check_known_components()) return err;
    if (auto err = read_topics(top)) return err;
    return std::move(result_);
  }

 private:
  // --- messages -------------------------------------------------------------------------------

  caf::error fail(const std::string& path, const std::string& text) const {
    auto msg = file_ + ": " + display_path(path) + ": " + text;
    auto note = origin_note(origins_, path);
    if (!note.empty()) msg += " (" + note + ")";
    return make_error(errc::invalid_placement, std::move(msg));
  }

  // The right kind of value, but not an acceptable one.
  caf::error wrong_value(const std::string& path, const json::value& found,
                         const std::string& expected) const {
    return fail(path, "found " + render_value(found) + ", expected " + expected);
  }

  // The wrong kind of value: says which kind was found, since `"7100"` and `7100` look alike.
  caf::error wrong_type(const std::string& path, const json::value& found,
                        const std::string& expected) const {
    return fail(
        path, "found " + render_value(found) + " (" + kind_name(found) + "), expected " + expected);
  }

  caf::error missing(const std::string& path, const std::string& expected) const {
    return fail(path, "missing, expected " + expected);
  }

  caf::error unknown_key(const std::string& parent, std::string_view key,
                         std::initializer_list<const char*> allowed) const {
    return fail(path_key(parent, key), detail::unknown_key_text(key, allowed));
  }

  static bool is_one_of(std::string_view key, std::initializer_list<const char*> allowed) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; });
  }

  // --- sections -------------------------------------------------------------------------------

  caf::error read_app(const json::object& top) {
    const char* expected = "the app's name (a non-empty string)";
    const auto* v = top.if_contains("app");
    if (!v) return missing("app", expected);
    if (!v->is_string()) return wrong_type("app", *v, expected);
    result_.app = v->get_string();
    if (result_.app.empty()) return wrong_value("app", *v, expected);
    if (!opts_.app.empty() && result_.app != opts_.app)
      return wrong_value("app", *v, quote(opts_.app) + ", the app this program runs");
    return {};
  }

  caf::error read_millis(const json::value& v, const std::string& path,
                         std::chrono::milliseconds& out) const {
    const char* expected = "a positive integer (milliseconds)";
    if (!v.is_int64() && !v.is_uint64()) return wrong_type(path, v, expected);
    if (v.is_int64() && v.get_int64() <= 0) return wrong_value(path, v, expected);
    if (v.is_uint64() || v.get_int64() > max_millis)
      return wrong_value(
          path, v,
          std::string{expected} + " of at most " + std::to_string(max_millis) + " (one year)");
    out = std::chrono::milliseconds{v.get_int64()};
    return {};
  }

  /// "breaker": {"failures": N, "cool_down_ms": M, "failure_rate": R, "window_ms": W,
  /// "min_calls": K}.
  caf::error read_breaker(const json::value& v, const std::string& path, component_spec& c) const {
    if (!v.is_object())
      return wrong_type(path, v, "an object with \"failures\" and \"cool_down_ms\"");
    auto b = std::make_shared<breaker_spec>();
    for (const auto& kv : v.get_object()) {
      auto key_path = path_key(path, kv.key());
      const auto& x = kv.value();
      if (kv.key() == "failures") {
        const char* expected = "an integer from 1 to 1000000 (consecutive failed calls)";
        if (!x.is_int64()) return wrong_type(key_path, x, expected);
        if (x.get_int64() < 1 || x.get_int64() > 1'000'000)
          return wrong_value(key_path, x, expected);
        b->failures = x.get_int64();
      } else if (kv.key() == "cool_down_ms") {
        if (auto err = read_millis(x, key_path, b->cool_down)) return err;
      } else if (kv.key() == "failure_rate") {
        const char* expected = "a share of failed calls above 0 and at most 1, e.g. 0.5";
        if (!x.is_number()) return wrong_type(key_path, x, expected);
        auto rate = x.to_number<double>();
        if (!(rate > 0 && rate <= 1)) return wrong_value(key_path, x, expected);
        b->failure_rate = rate;
      } else if (kv.key() == "window_ms") {
        if (auto err = read_millis(x, key_path, b->window)) return err;
        if (b->window.count() < 10) return wrong_value(key_path, x, "at least 10 (milliseconds)");
      } else if (kv.key() == "min_calls") {
        const char* expected = "an integer from 1 to 1000000 (calls within the window)";
        if (!x.is_int64()) return wrong_type(key_path, x, expected);
        if (x.get_int64() < 1 || x.get_int64() > 1'000'000)
          return wrong_value(key_path, x, expected);
        b->min_calls = x.get_int64();
      } else {
        return unknown_key(path, kv.key(),
                           {"failures", "cool_down_ms", "failure_rate", "window_ms", "min_calls"});
      }
    }
    c.breaker = std::move(b);
    return {};
  }

  caf::error read_defaults(const json::object& top) {
    const auto* v = top.if_contains("defaults");
    if (!v) return {};
    if (!v->is_object()) return wrong_type("defaults", *v, "an object");
    auto& d = result_.defaults;
    bool has_connection_timeout = false;
    for (const auto& kv : v->get_object()) {
      auto path = path_key("defaults", kv.key());
      const auto& x = kv.value();
      caf::error err;
      if (kv.key() == "timeout_ms") {
        err = read_millis(x, path, d.timeout);
      } else if (kv.key() == "heartbeat_ms") {
        err = read_millis(x, path, d.heartbeat);
      } else if (kv.key() == "connection_timeout_ms") {
        err = read_millis(x, path, d.connection_timeout);
        has_connection_timeout = true;
      } else if (kv.key() == "run_timeout_ms") {
        err = read_millis(x, path, d.run_timeout);
      } else if (kv.key() == "serialize_local") {
        if (!x.is_bool()) return wrong_type(path, x, "true or false");
        d.serialize_local = x.get_bool();
      } else if (kv.key() == "log_calls") {
        if (!x.is_bool()) return wrong_type(path, x, "true or false");
        d.log_calls = x.get_bool();
      } else if (kv.key() == "scheduler") {
        const char* expected = "\"auto\", \"work-stealing\" or \"sharing\"";
        if (!x.is_string()) return wrong_type(path, x, expected);
        if (x.get_string() != "auto" && x.get_string() != "work-stealing" &&
            x.get_string() != "sharing")
          return wrong_value(path, x, expected);
        d.scheduler = x.get_string();
      } else if (kv.key() == "scheduler_threads") {
        const char* expected = "a number of threads (1..256), or 0 for one per core";
        if (!x.is_int64() && !x.is_uint64()) return wrong_type(path, x, expected);
        if (x.is_uint64() || x.get_int64() < 0 || x.get_int64() > 256)
          return wrong_value(path, x, expected);
        d.scheduler_threads = static_cast<int>(x.get_int64());
      } else if (kv.key() == "max_frame_bytes") {
        const char* expected = "a size in bytes from 65536 to 1073741824 (1 GiB)";
        if (!x.is_int64() && !x.is_uint64()) return wrong_type(path, x, expected);
        if (x.is_uint64() || x.get_int64() < 65536 || x.get_int64() > (int64_t{1} << 30))
          return wrong_value(path, x, expected);
        d.max_frame_bytes = static_cast<uint64_t>(x.get_int64());
      } else if (kv.key() == "handshake_timeout_ms") {
        err = read_millis(x, path, d.handshake_timeout);
      } else if (kv.key() == "startup_grace_ms") {
        // 0 is allowed here: no grace at all.
        if (x.is_int64() && x.get_int64() == 0)
          d.startup_grace = std::chrono::milliseconds{0};
        else
          err = read_millis(x, path, d.startup_grace);
      } else if (kv.key() == "restart") {
        const char* expected = "\"on-failure\" or \"never\"";
        if (!x.is_string()) return wrong_type(path, x, expected);
        if (x.get_string() != "on-failure" && x.get_string() != "never")
          return wrong_value(path, x, expected);
        d.restart = x.get_string() == "on-failure";
      } else if (kv.key() == "max_peer_connections") {
        const char* expected = "a number of connections (1..65536)";
        if (!x.is_int64() && !x.is_uint64()) return wrong_type(path, x, expected);
        if (x.is_uint64() || x.get_int64() < 1 || x.get_int64() > 65536)
          return wrong_value(path, x, expected);
        d.max_peer_connections = static_cast<int>(x.get_int64());
      } else {
        return unknown_key(
            "defaults", kv.key(),
            {"timeout_ms", "serialize_local", "heartbeat_ms", "connection_timeout_ms",
             "run_timeout_ms", "log_calls", "scheduler", "scheduler_threads", "max_frame_bytes",
             "handshake_timeout_ms", "max_peer_connections", "startup_grace_ms", "restart"});
      }
      if (err) return err;
    }
    // A peer must be allowed to miss a heartbeat before it counts as down, or healthy peers flap.
    if (d.connection_timeout < d.heartbeat) {
      auto heartbeat = std::to_string(d.heartbeat.count());
      auto timeout = std::to_string(d.connection_timeout.count());
      if (has_connection_timeout)
        return fail("defaults.connection_timeout_ms",
                    "found " + timeout + ", expected at least heartbeat_ms (" + heartbeat + ")");
      return fail("defaults.heartbeat_ms", "found " + heartbeat +
                                               ", expected at most connection_timeout_ms (" +
                                               timeout + ", the default)");
    }
    return {};
  }

  caf::error read_security(const json::object& top) {
    const auto* v = top.if_contains("security");
    if (!v) return {};
    if (!v->is_object()) return wrong_type("security", *v, "an object");
    auto& sec = result_.security;
    for (const auto& kv : v->get_object()) {
      auto path = path_key("security", kv.key());
      const auto& x = kv.value();
      if (kv.key() == "insecure") {
        if (!x.is_bool()) return wrong_type(path, x, "true or false");
        sec.insecure = x.get_bool();
        continue;
      }
      std::string* out = kv.key() == "certs"                 ? &sec.certs
                         : kv.key() == "key_passphrase_env"  ? &sec.key_passphrase_env
                         : kv.key() == "key_passphrase_file" ? &sec.key_passphrase_file
                                                             : nullptr;
      if (out == nullptr)
        return unknown_key("security", kv.key(),
                           {"insecure", "certs", "key_passphrase_env", "key_passphrase_file"});
      const char* expected = kv.key() == "key_passphrase_env"
                                 ? "the name of an environment variable (a non-empty string)"
                                 : "a path (a non-empty string)";
      if (!x.is_string()) return wrong_type(path, x, expected);
      if (x.get_string().empty()) return wrong_value(path, x, expected);
      *out = x.get_string();
    }
    if (!sec.key_passphrase_env.empty() && !sec.key_passphrase_file.empty())
      return fail("security.key_passphrase_file",
                  "found both key_passphrase_env and key_passphrase_file, expected one of them");
    return {};
  }

  caf::error read_registry(const json::object& top) {
    const auto* v = top.if_contains("registry");
    if (!v) return {};
    const char* expected = "an object with \"etcd\": \"http://HOST:PORT\"";
    if (!v->is_object()) return wrong_type("registry", *v, expected);
    auto& r = result_.registry;
    for (const auto& kv : v->get_object()) {
      auto path = path_key("registry", kv.key());
      const auto& x = kv.value();
      if (kv.key() == "etcd") {
        const char* url = "the address of etcd's JSON gateway, \"http://HOST:PORT\"";
        if (!x.is_string()) return wrong_type(path, x, url);
        std::string_view text = x.get_string();
        constexpr std::string_view scheme = "http://";
        if (text.substr(0, scheme.size()) != scheme) return wrong_value(path, x, url);
        auto rest = std::string{text.substr(scheme.size())};
        if (!rest.empty() && rest.back() == '/') rest.pop_back();
        auto colon = rest.rfind(':');
        if (colon == std::string::npos || !is_host_port(rest)) return wrong_value(path, x, url);
        auto port = std::stoi(rest.substr(colon + 1));
        if (port < 1) return wrong_value(path, x, url);
        r.etcd_host = rest.substr(0, colon);
        if (r.etcd_host.size() > 2 && r.etcd_host.front() == '[')
          r.etcd_host = r.etcd_host.substr(1, r.etcd_host.size() - 2);
        r.etcd_port = static_cast<uint16_t>(port);
      } else if (kv.key() == "lease_ttl_s") {
        const char* ttl = "a number of seconds from 2 to 3600";
        if (!x.is_int64()) return wrong_type(path, x, ttl);
        if (x.get_int64() < 2 || x.get_int64() > 3600) return wrong_value(path, x, ttl);
        r.lease_ttl_s = x.get_int64();
      } else if (kv.key() == "prefix") {
        const char* prefix = "a key prefix starting and ending with '/'";
        if (!x.is_string()) return wrong_type(path, x, prefix);
        std::string_view p = x.get_string();
        if (p.size() < 1 || p.front() != '/' || p.back() != '/')
          return wrong_value(path, x, prefix);
        r.prefix = p;
      } else {
        return unknown_key("registry", kv.key(), {"etcd", "lease_ttl_s", "prefix"});
      }
    }
    if (!r.enabled()) return missing("registry.etcd", "the address of etcd, \"http://HOST:PORT\"");
    return {};
  }

  caf::error read_topics(const json::object& top) {
    const auto* v = top.if_contains("topics");
    if (!v) return {};
    const char* expected =
        "an object of topics, e.g. {\"order-created\": {\"transport\": \"nats\", \"url\": "
        "\"nats://127.0.0.1:4222\"}}";
    if (!v->is_object()) return wrong_type("topics", *v, expected);
    for (const auto& [name, spec] : v->get_object()) {
      auto path = path_key("topics", name);
      if (!is_topic_name(name))
        return fail(path, "a topic's name is 1 to 64 of A-Z a-z 0-9 _ - (it names a NATS subject)");
      if (!spec.is_object())
        return wrong_type(path, spec, "an object with \"transport\": \"cluster\" or \"nats\"");
      topic_spec t;
      t.name = name;
      for (const auto& kv : spec.get_object()) {
        auto key = path_key(path, kv.key());
        const auto& x = kv.value();
        if (kv.key() == "transport") {
          const char* kinds = "\"cluster\" or \"nats\"";
          if (!x.is_string()) return wrong_type(key, x, kinds);
          if (x.get_string() != "cluster" && x.get_string() != "nats")
            return wrong_value(key, x, kinds);
          t.transport = x.get_string();
        } else if (kv.key() == "url") {
          const char* url = "the NATS server, \"nats://HOST:PORT\"";
          if (!x.is_string()) return wrong_type(key, x, url);
          std::string_view text = x.get_string();
          constexpr std::string_view scheme = "nats://";
          if (text.substr(0, scheme.size()) != scheme || !is_host_port(text.substr(scheme.size())))
            return wrong_value(key, x, url);
          t.url = text;
        } else if (kv.key() == "ack_wait_ms") {
          const char* ms = "milliseconds from 100 to 3600000";
          if (!x.is_int64()) return wrong_type(key, x, ms);
          if (x.get_int64() < 100 || x.get_int64() > 3'600'000) return wrong_value(key, x, ms);
          t.ack_wait = std::chrono::milliseconds{x.get_int64()};
        } else {
          return unknown_key(path, kv.key(), {"transport", "url", "ack_wait_ms"});
        }
      }
      if (t.nats() && t.url.empty())
        return missing(path_key(path, "url"), "the NATS server, \"nats://HOST:PORT\"");
      if (!t.nats())
        for (const char* only_nats : {"url", "ack_wait_ms"})
          if (spec.get_object().contains(only_nats))
            return fail(path_key(path, only_nats),
                        "is for \"transport\": \"nats\" only; this topic's transport is "
                        "\"cluster\"");
      result_.topics.emplace(name, std::move(t));
    }
    return {};
  }

  caf::error read_nodes(const json::object& top) {
    const auto* v = top.if_contains("nodes");
    const char* expected = "an object of nodes, e.g. {\"main\": {\"host\": \"127.0.0.1\"}}";
    if (!v) return missing("nodes", expected);
    if (!v->is_object()) return wrong_type("nodes", *v, expected);
    const auto& nodes = v->get_object();
    if (nodes.empty()) return wrong_value("nodes", *v, "at least one node");
    std::map<std::string, std::string> node_at;  // "host:port" -> node name
    for (const auto& kv : nodes) {
      auto path = path_key("nodes", kv.key());
      if (auto err = read_node(kv.key(), kv.value(), path)) return err;
      const auto& node = result_.nodes[kv.key()];
      if (node.port == 0) {
        // Nodes of a placement connect to each other, so each must accept peers.
        if (nodes.size() > 1)
          return missing(path_key(path, "port"), "a port number (1..65535): the placement has " +
                                                     std::to_string(nodes.size()) +
                                                     " nodes, and each accepts peers");
        continue;
      }
      auto address = node.host + ":" + std::to_string(node.port);
      auto [it, added] = node_at.emplace(address, node.name);
      if (!added)
        return fail(path, "found address " + address + ", which node " + quote(it->second) +
                              " has too, expected each node at its own host:port");
    }
    return {};
  }

  caf::error read_node(std::string_view name, const json::value& v, const std::string& path) {
    if (!is_node_name(name))
      return fail(path, "found node name " + quote(name) +
                            ", expected a name of letters, digits, '-' and '_'");
    if (!v.is_object()) return wrong_type(path, v, "an object with \"host\" and \"port\"");
    node_spec node;
    node.name = name;
    for (const auto& kv : v.get_object()) {
      auto key_path = path_key(path, kv.key());
      const auto& x = kv.value();
      if (kv.key() == "host") {
        const char* expected = "a host name or address (a non-empty string)";
        if (!x.is_string()) return wrong_type(key_path, x, expected);
        if (x.get_string().empty()) return wrong_value(key_path, x, expected);
        node.host = x.get_string();
      } else if (kv.key() == "port") {
        const char* expected = "a port number (1..65535)";
        if (!x.is_int64() && !x.is_uint64()) return wrong_type(key_path, x, expected);
        if (x.is_uint64() || x.get_int64() < 1 || x.get_int64() > 65535)
          return wrong_value(key_path, x, expected);
        node.port = static_cast<uint16_t>(x.get_int64());
      } else if (kv.key() == "admin") {
        const char* expected = "an address \"host:port\" for the admin HTTP port (port 0..65535)";
        if (!x.is_string()) return wrong_type(key_path, x, expected);
        if (!is_host_port(x.get_string())) return wrong_value(key_path, x, expected);
        node.admin = x.get_string();
      } else {
        return unknown_key(path, kv.key(), {"host", "port", "admin"});
      }
    }
    result_.nodes[node.name] = std::move(node);
    return {};
  }

  caf::error read_components(const json::object& top) {
    const auto* v = top.if_contains("components");
    const char* expected = "an object of components, e.g. {\"thingey-repo\": {\"node\": \"main\"}}";
    if (!v) return missing("components", expected);
    if (!v->is_object()) return wrong_type("components", *v, expected);
    const auto& components = v->get_object();
    if (components.empty()) return wrong_value("components", *v, "at least one component");
    for (const auto& kv : components)
      if (auto err = read_component(kv.key(), kv.value(), path_key("components", kv.key())))
        return err;
    return {};
  }

  // A misspelled component name is the root cause of whatever else is wrong with its entry, so it
  // is reported first.
  caf::error check_component_known(std::string_view name, const std::string& path) const {
    const auto& known = opts_.known_components;
    if (known.empty() || std::find(known.begin(), known.end(), name) != known.end()) return {};
    std::vector<std::string> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    std::string list;
    for (const auto& k : sorted) list += (list.empty() ? "" : ", ") + k;
    return fail(path, "app " + quote(result_.app) + " has no component " + quote(name) +
                          " (it has: " + list + ")" + suggestion(name, sorted));
  }

  caf::error check_node_exists(const json::value& v, const std::string& path) const {
    std::vector<std::string> names;
    for (const auto& kv : result_.nodes) names.push_back(kv.first);
    if (!v.is_string()) return wrong_type(path, v, "a node name (a string)");
    if (result_.nodes.count(std::string{v.get_string()}) == 0)
      return wrong_value(path, v, "one of the nodes (" + quoted_list(names) + ")");
    return {};
  }

  caf::error read_component(std::string_view name, const json::value& v, const std::string& path) {
    if (name.empty()) return fail(path, "found an empty component name, expected a name");
    if (auto err = check_component_known(name, path)) return err;
    if (!v.is_object()) return wrong_type(path, v, "an object with \"node\" or \"nodes\"");
    component_spec c;
    c.name = name;
    c.discovered = result_.registry.enabled();
    bool has_node = false;
    bool has_nodes = false;
    for (const auto& kv : v.get_object()) {
      auto key_path = path_key(path, kv.key());
      const auto& x = kv.value();
      if (kv.key() == "node") {
        has_node = true;
        if (auto err = check_node_exists(x, key_path)) return err;
        c.nodes.push_back(std::string{x.get_string()});
      } else if (kv.key() == "nodes") {
        has_nodes = true;
        const char* expected = "a non-empty array of node names";
        if (!x.is_array()) return wrong_type(key_path, x, expected);
        if (x.get_array().empty()) return wrong_value(key_path, x, expected);
        std::vector<std::string> listed;
        for (size_t i = 0; i < x.get_array().size(); ++i) {
          const auto& n = x.get_array()[i];
          auto item_path = path_index(key_path, i);
          if (auto err = check_node_exists(n, item_path)) return err;
          std::string node{n.get_string()};
          if (std::find(listed.begin(), listed.end(), node) != listed.end())
            return fail(item_path,
                        "found " + quote(node) + " a second time, expected each node at most once");
          listed.push_back(std::move(node));
        }
        c.nodes.insert(c.nodes.end(), listed.begin(), listed.end());
      } else if (kv.key() == "balance") {
        auto expected = "one of " + quoted_list(balance_kinds);
        if (!x.is_string()) return wrong_type(key_path, x, expected);
        if (!is_one_of(x.get_string(), {balance_kinds[0], balance_kinds[1], balance_kinds[2]}))
          return wrong_value(key_path, x, expected);
        c.balance = x.get_string();
      } else if (kv.key() == "route_by") {
        auto expected = "the name of a request member, e.g. \"id\"";
        if (!x.is_string()) return wrong_type(key_path, x, expected);
        if (!is_identifier(x.get_string())) return wrong_value(key_path, x, expected);
        c.route_by = x.get_string();
      } else if (kv.key() == "breaker") {
        if (auto err = read_breaker(x, key_path, c)) return err;
      } else if (kv.key() == "config") {
        if (!x.is_object()) return wrong_type(key_path, x, "an object");
        c.config = x.get_object();
      } else if (kv.key() == "state") {
        const char* expected = "the path of the component's store, e.g. \"data/users.db\"";
        if (!x.is_string()) return wrong_type(key_path, x, expected);
        if (x.get_string().empty()) return wrong_value(key_path, x, expected);
        c.state = x.get_string();
      } else {
        return unknown_key(path, kv.key(),
                           {"node", "nodes", "balance", "route_by", "breaker", "config", "state"});
      }
    }
    if (has_node && has_nodes)
      return fail(
          path, "found both \"node\" and \"nodes\", expected one of them (\"nodes\" for replicas)");
    if (!has_node && !has_nodes)
      return fail(path, "placed nowhere: expected \"node\" or \"nodes\"");
    // Spreading calls over replicas changes behaviour (state is per replica), so it must be asked
    // for, not implied by listing a second node.
    if (!c.route_by.empty() && !c.replicated())
      return fail(path_key(path, "route_by"),
                  "found a routing key for a component on one node, expected \"nodes\" with two "
                  "or more, or a \"registry\" (keyed routing picks one of several replicas)");
    // Keyed calls need no policy; calls without the key are balanced round-robin unless told.
    if (!c.route_by.empty() && c.balance.empty()) c.balance = balance_kinds[0];
    if (c.discovered && c.balance.empty()) c.balance = balance_kinds[0];
    if (c.nodes.size() > 1 && c.balance.empty())
      return fail(path_key(path, "nodes"),
                  "placed on " + std::to_string(c.nodes.size()) +
                      " nodes without being declared replicated: add \"balance\": \"round-robin\""
                      " (or \"least-outstanding\", \"random\")");
    if (!c.replicated()) c.balance.clear();
    // Two instances on one file would share one store; each replica keeps its own.
    if (c.replicated() && !c.state.empty() && c.state.find("{node}") == std::string::npos)
      return fail(path_key(path, "state"), "found " + quote(c.state) +
                                               " for a replicated component, expected a path with "
                                               "\"{node}\" in it (e.g. \"data/" +
                                               c.name +
                                               "-{node}.db\"): each instance "
                                               "keeps a store of its own");
    // A keyed replica with state holds the records of its keys and nobody else does, so its keys
    // must stay with it: a membership that follows the registry would move them.
    if (c.discovered && !c.route_by.empty() && !c.state.empty())
      return fail(path_key(path, "route_by"),
                  "found a routing key for a component that keeps state, under a \"registry\", "
                  "expected keyed replicas with state on the nodes the placement lists (no "
                  "\"registry\"): a key must stay with the instance that holds its records, and "
                  "registered instances come and go");
    result_.components[c.name] = std::move(c);
    return {};
  }

  caf::error check_known_components() const {
    std::vector<std::string> sorted = opts_.known_components;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& name : sorted)
      if (result_.components.count(name) == 0)
        return fail("components", "component " + quote(name) + " is placed nowhere: add " +
                                      quote(name) + ": {\"node\": \"...\"}");
    return {};
  }

  const std::string& file_;
  const value_origins& origins_;
  const placement_options& opts_;
  placement result_;
};

}  // namespace

std::vector<std::string> placement::components_on(const std::string& node) const {
  std::vector<std::string> out;
  for (const auto& [name, c] : components)
    if (std::find(c.nodes.begin(), c.nodes.end(), node) != c.nodes.end()) out.push_back(name);
  return out;
}

std::string placement::only_node() const {
  return nodes.size() == 1 ? nodes.begin()->first : std::string{};
}

std::string placement::path_beside(const std::string& path) const {
  if (!path.empty() && path.front() == '/') return path;
  auto slash = file.rfind('/');
  std::string folder = slash == std::string::npos ? "." : file.substr(0, slash == 0 ? 1 : slash);
  return folder + "/" + path;
}

std::string placement::certs_dir() const {
  if (!security.certs.empty()) return path_beside(security.certs);
  auto slash = file.rfind('/');
  auto name = slash == std::string::npos ? file : file.substr(slash + 1);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
    name.resize(name.size() - 5);
  return path_beside(".certs/" + name);
}

caf::expected<placement> load_placement(const std::string& path, const placement_options& opts) {
  std::string text;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    return make_error(errc::invalid_placement, path + ": cannot read: " + std::strerror(errno));
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  // fopen succeeds on a directory; the read is what fails (EISDIR).
  int read_errno = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (read_errno != 0)
    return make_error(errc::invalid_placement,
                      path + ": cannot read: " + std::strerror(read_errno));
  return parse_placement(text, path, opts);
}

caf::expected<placement> parse_placement(std::string_view text, const std::string& origin,
                                         const placement_options& opts) {
  // Boost.JSON throws on allocation failure and on misuse; callers are promised an error value.
  try {
    auto doc = parse_json_text(text, origin);
    if (!doc) return std::move(doc.error());
    value_origins origins;
    getenv_function getenv = opts.getenv ? opts.getenv : getenv_function{process_getenv};
    if (auto err = expand_env(*doc, origin, getenv, origins)) return err;
    for (const auto& assignment : opts.overrides)
      if (auto err = apply_override(*doc, assignment, origins)) return err;
    return validator{origin, origins, opts}.run(*doc);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_placement, origin + ": " + e.what());
  }
}

}  // namespace cleave
