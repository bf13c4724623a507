#include "runtime/node/dashboard.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/gateway/admin.hpp"

namespace cleave {

namespace detail {
/// The page, from runtime/node/dashboard.html (made into a C++ string at build time).
extern const char* const dashboard_html;
}  // namespace detail

namespace {

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

double seconds(dashboard_view::clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// `x` rounded to 3 decimals: enough for rates and milliseconds, and short on the wire.
double round3(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

/// `now - before`, counters that went back (a restart) counted from zero.
uint64_t grown(uint64_t now, uint64_t before) {
  return now >= before ? now - before : now;
}

/// A quantile of `buckets` in ms, or null if they count nothing.
boost::json::value quantile_ms(const std::vector<uint64_t>& buckets, double q) {
  auto us = detail::call_edge_quantile_us(buckets, q);
  if (us < 0) return nullptr;
  return round3(us / 1000.0);
}

const protocol::edge_status* find_edge(const protocol::node_status& s, const std::string& caller,
                                       const std::string& callee) {
  for (const auto& e : s.edges)
    if (e.caller == caller && e.callee == callee) return &e;
  return nullptr;
}

const protocol::component_status* find_component(const protocol::node_status& s,
                                                 const std::string& name) {
  for (const auto& c : s.components)
    if (c.name == name) return &c;
  return nullptr;
}

const protocol::replica_status* find_replica(const protocol::node_status& s,
                                             const std::string& component,
                                             const std::string& replica) {
  for (const auto& r : s.replicas)
    if (r.component == component && r.replica == replica) return &r;
  return nullptr;
}

}  // namespace

dashboard_view::dashboard_view(std::string app, std::string scope)
    : app_(std::move(app)), scope_(std::move(scope)) {}

void dashboard_view::note(std::chrono::system_clock::time_point at, const std::string& node,
                          std::string text) {
  events_.push_front({at, node, std::move(text)});
  while (events_.size() > max_events) events_.pop_back();
}

void dashboard_view::update(std::vector<node_probe> round, clock::time_point now,
                            std::chrono::system_clock::time_point wall) {
  std::vector<node_state> next;
  next.reserve(round.size());
  for (auto& probe : round) {
    auto known = std::find_if(nodes_.begin(), nodes_.end(),
                              [&](const node_state& n) { return n.probe.name == probe.name; });
    node_state n;
    if (known != nodes_.end()) n = std::move(*known);
    bool was_up = known != nodes_.end() && n.probe.status.has_value();
    bool seen_before = n.last_seen.has_value();
    if (probe.status) {
      if (n.latest && n.latest->status.pid != probe.status->pid) {
        note(wall, probe.name,
             "restarted: pid " + std::to_string(n.latest->status.pid) + " -> " +
                 std::to_string(probe.status->pid) +
                 (probe.status->restarts > 0
                      ? " (restarts by cleave up: " + std::to_string(probe.status->restarts) + ")"
                      : ""));
        // Counters start again: rates from the new process only.
        n.latest.reset();
        n.baseline.reset();
      } else if (seen_before && !was_up) {
        note(wall, probe.name, "up again");
      }
      if (n.latest && now - n.latest->at >= min_window) n.baseline = std::move(n.latest);
      if (!n.baseline && !n.latest) n.baseline = sample{*probe.status, now};
      n.latest = sample{*probe.status, now};
      n.last_seen = wall;
    } else if (was_up) {
      note(wall, probe.name, probe.finished ? "finished" : "down: " + probe.error);
    }
    n.probe = std::move(probe);
    next.push_back(std::move(n));
  }
  nodes_ = std::move(next);
  updated_ = wall;
}

boost::json::object dashboard_view::node_json(
    const node_state& n, std::chrono::system_clock::time_point now,
    const std::map<std::string, std::vector<std::string>>& homes) const {
  boost::json::object out;
  out["name"] = n.probe.name;
  if (!n.probe.address.empty()) out["address"] = n.probe.address;
  bool up = n.probe.status.has_value();
  out["state"] = up ? "up" : n.probe.finished ? "finished" : "down";
  if (!up) out["error"] = n.probe.error;
  if (n.last_seen)
    out["last_seen_ms_ago"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - *n.last_seen).count();
  else
    out["last_seen_ms_ago"] = nullptr;
  boost::json::array components;
  boost::json::array replicas;
  if (n.latest) {
    const auto& s = n.latest->status;
    out["pid"] = s.pid;
    if (up)
      out["uptime_ms"] = s.uptime_ms;
    else
      out["uptime_ms"] = nullptr;
    out["restarts"] = s.restarts;
    double dt = n.baseline ? seconds(n.latest->at - n.baseline->at) : 0;
    for (const auto& c : s.components) {
      boost::json::object o;
      o["name"] = c.name;
      o["calls"] = c.calls;
      o["running"] = c.running;
      o["edge"] = c.edge;
      // Every node with an admin port has one: no replicas of each other.
      o["admin"] = c.name == admin_component_name;
      const auto* before =
          n.baseline && dt > 0 ? find_component(n.baseline->status, c.name) : nullptr;
      if (up && before != nullptr)
        o["calls_per_s"] = round3(static_cast<double>(grown(c.calls, before->calls)) / dt);
      else
        o["calls_per_s"] = nullptr;
      auto home = homes.find(c.name);
      if (home != homes.end() && home->second.size() > 1) {
        auto at = std::find(home->second.begin(), home->second.end(), n.probe.name);
        o["replica"] = static_cast<int64_t>(at - home->second.begin()) + 1;
        o["replicas"] = home->second.size();
      }
      components.push_back(std::move(o));
    }
    for (const auto& r : s.replicas) {
      boost::json::object o;
      o["component"] = r.component;
      o["replica"] = r.replica;
      o["sent"] = r.sent;
      o["state"] = r.state;
      o["breaker"] = r.breaker;
      const auto* before =
          n.baseline && dt > 0 ? find_replica(n.baseline->status, r.component, r.replica) : nullptr;
      if (up && before != nullptr)
        o["sent_per_s"] = round3(static_cast<double>(grown(r.sent, before->sent)) / dt);
      else
        o["sent_per_s"] = nullptr;
      replicas.push_back(std::move(o));
    }
  } else {
    out["pid"] = nullptr;
    out["uptime_ms"] = nullptr;
    out["restarts"] = nullptr;
  }
  out["components"] = std::move(components);
  out["replicas"] = std::move(replicas);
  return out;
}

boost::json::object dashboard_view::json() const {
  boost::json::object out;
  out["app"] = app_;
  out["scope"] = scope_;
  out["time_ms"] = epoch_ms(updated_);
  // Where each component runs (nodes that answered), for "replica i of n".
  std::map<std::string, std::vector<std::string>> homes;
  for (const auto& n : nodes_)
    if (n.latest)
      for (const auto& c : n.latest->status.components)
        if (c.name != admin_component_name) homes[c.name].push_back(n.probe.name);
  boost::json::array nodes;
  for (const auto& n : nodes_) nodes.push_back(node_json(n, updated_, homes));
  out["nodes"] = std::move(nodes);
  boost::json::array edges;
  for (const auto& n : nodes_) {
    if (!n.probe.status || !n.latest) continue;
    double dt = n.baseline ? seconds(n.latest->at - n.baseline->at) : 0;
    for (const auto& e : n.latest->status.edges) {
      boost::json::object o;
      o["node"] = n.probe.name;
      o["caller"] = e.caller;
      o["callee"] = e.callee;
      o["calls"] = e.calls;
      o["errors"] = e.errors;
      const auto* before = dt > 0 ? find_edge(n.baseline->status, e.caller, e.callee) : nullptr;
      std::vector<uint64_t> window = e.latency_buckets;
      uint64_t calls = e.calls;
      uint64_t errors = e.errors;
      if (before != nullptr) {
        calls = grown(e.calls, before->calls);
        errors = grown(e.errors, before->errors);
        for (size_t i = 0; i < window.size() && i < before->latency_buckets.size(); ++i)
          window[i] = grown(window[i], before->latency_buckets[i]);
      }
      if (dt > 0) {
        o["calls_per_s"] = round3(static_cast<double>(calls) / dt);
        o["errors_per_s"] = round3(static_cast<double>(errors) / dt);
        o["window_ms"] = static_cast<int64_t>(dt * 1000);
      } else {
        // One answer so far: no rate yet.
        o["calls_per_s"] = nullptr;
        o["errors_per_s"] = nullptr;
        o["window_ms"] = nullptr;
      }
      o["p50_ms"] = quantile_ms(window, 0.5);
      o["p99_ms"] = quantile_ms(window, 0.99);
      o["mean_ms"] = e.calls > 0 ? boost::json::value(round3(static_cast<double>(e.latency_sum_us) /
                                                             static_cast<double>(e.calls) / 1000.0))
                                 : boost::json::value(nullptr);
      edges.push_back(std::move(o));
    }
  }
  out["edges"] = std::move(edges);
  boost::json::array events;
  for (const auto& e : events_)
    events.push_back(
        boost::json::object{{"time_ms", epoch_ms(e.at)}, {"node", e.node}, {"text", e.text}});
  out["events"] = std::move(events);
  return out;
}

std::string dashboard_page(std::string_view data_path) {
  std::string page = detail::dashboard_html;
  constexpr std::string_view mark = "@DATA_PATH@";
  // The path goes into an HTML attribute: it is ours, but keep it from ever breaking out.
  std::string safe;
  for (char c : data_path)
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' || c == '-' ||
        c == '_')
      safe += c;
  for (auto at = page.find(mark); at != std::string::npos; at = page.find(mark, at + safe.size()))
    page.replace(at, mark.size(), safe);
  return page;
}

std::vector<std::pair<std::string, std::string>> dashboard_headers() {
  return {{"Content-Security-Policy",
           "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'"},
          {"Cache-Control", "no-store"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"}};
}

}  // namespace cleave
