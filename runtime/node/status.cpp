#include "runtime/node/status.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/middleware/circuit_breaker.hpp"

namespace cleave {

namespace {

/// How this node sees replica `m` of component `name`.
protocol::replica_status replica_status_of(const std::string& name,
                                           const detail::replica_member& m) {
  protocol::replica_status out;
  out.component = name;
  out.replica = m.node;
  out.sent = m.sent ? m.sent->value() : 0;
  if (m.local) {
    out.state = "here";
  } else if (m.link) {
    switch (m.link->state()) {
      case detail::remote_link::state_kind::connected:
        out.state = "connected";
        break;
      case detail::remote_link::state_kind::down:
        out.state = "down";
        break;
      case detail::remote_link::state_kind::unknown:
        out.state = "not reached yet";
        break;
    }
  }
  if (m.breaker) out.breaker = middleware::to_string(m.breaker->current());
  return out;
}

}  // namespace

protocol::node_status node_status_of(const detail::directory& dir, const node_identity& id) {
  protocol::node_status out;
  out.app = id.app;
  out.node = id.node;
  out.pid = static_cast<int32_t>(::getpid());
  out.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - id.started)
                      .count();
  out.restarts = id.restarts;
  for (const auto& [name, stats] : dir.local_stats())
    out.components.push_back({name, stats ? stats->calls.load() : 0,
                              !stats || stats->running.load(), stats && stats->edge});
  for (const auto& [name, set] : dir.replica_sets())
    for (const auto& m : set->members()) out.replicas.push_back(replica_status_of(name, m));
  for (auto& e : detail::call_edges_snapshot())
    out.edges.push_back({std::move(e.caller), std::move(e.callee), e.calls, e.errors,
                         e.latency_sum_us, std::move(e.buckets)});
  return out;
}

int32_t restarts_from_environment() {
  const char* text = std::getenv("CLEAVE_RESTARTS");
  if (text == nullptr) return 0;
  int32_t n = 0;
  auto [end, ec] = std::from_chars(text, text + std::strlen(text), n);
  return ec == std::errc{} && *end == '\0' && n >= 0 ? n : 0;
}

}  // namespace cleave
