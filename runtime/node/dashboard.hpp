// The live dashboard's model: rounds of status probes (protocol::node_status, one per node) in,
// the JSON its page polls out, with rates over the last interval. The same page and the same JSON
// serve a node's admin port (a "cluster" of that one node: GET /dashboard, /dashboard.json) and
// `cleave status FILE --web` (every node of the placement: GET /, /api/cluster); docs/dashboard.md
// describes both and every field.
//
//   cleave::dashboard_view view{"shop", "cluster"};
//   view.update({{"main", "127.0.0.1:7310", status_or_error}, ...});   // about every second
//   std::string body = boost::json::serialize(view.json());
//   std::string page = cleave::dashboard_page("/api/cluster");          // the HTML, no assets
//
// Rates are the difference between the newest answer of a node and an older one taken at least
// `min_window` before it, over the time between them; p50/p99 per edge are estimated from the
// difference of the two latency histograms (call_edges.hpp: exact to within a bucket's width).
// A node that did not answer the last round is "down" at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "runtime/node/protocol.hpp"

namespace cleave {

/// One node's answer to one round of probes, or why there was none.
struct node_probe {
  /// The node's name in the placement (or a registry instance's name).
  std::string name;
  /// "host:port" of its node port, shown to the operator; "" = not shown.
  std::string address;
  /// The answer; none if the node did not answer.
  std::optional<protocol::node_status> status;
  /// Why it did not answer.
  std::string error;
  /// It did not answer because it finished its work (a driver's node that exited 0).
  bool finished = false;
};

class dashboard_view {
 public:
  // -- member types -------------------------------------------------------------------------------

  using clock = std::chrono::steady_clock;

  // -- constants ----------------------------------------------------------------------------------

  /// Rates are taken over at least this long (pollers faster than that share a window).
  static constexpr std::chrono::milliseconds min_window{400};

  /// Events kept ("node down", "restarted", ...), newest first.
  static constexpr size_t max_events = 20;

  // -- construction -------------------------------------------------------------------------------

  /// `scope`: "cluster" (cleave status --web) or "node" (an admin port).
  dashboard_view(std::string app, std::string scope);

  // -- updates ------------------------------------------------------------------------------------

  /// Takes one round of probes made at `now` (`wall`: the same instant on the system clock, for
  /// the page). Nodes keep the order of their first round; a node missing from a round is
  /// dropped (it left the registry).
  void update(std::vector<node_probe> round, clock::time_point now = clock::now(),
              std::chrono::system_clock::time_point wall = std::chrono::system_clock::now());

  // -- observers ----------------------------------------------------------------------------------

  /// What the page shows (docs/dashboard.md): app, scope, time, nodes (state, pid, uptime,
  /// restarts, components with calls/s, replicas with breaker states), edges (calls/s, errors/s,
  /// p50/p99 over the window), recent events.
  boost::json::object json() const;

 private:
  struct sample {
    protocol::node_status status;
    clock::time_point at;
  };

  struct node_state {
    node_probe probe;
    /// The newest answer, and the older one the rates are taken against.
    std::optional<sample> latest;
    std::optional<sample> baseline;
    std::optional<std::chrono::system_clock::time_point> last_seen;
  };

  struct event {
    std::chrono::system_clock::time_point at;
    std::string node;
    std::string text;
  };

  void note(std::chrono::system_clock::time_point at, const std::string& node, std::string text);

  boost::json::object node_json(const node_state& n, std::chrono::system_clock::time_point now,
                                const std::map<std::string, std::vector<std::string>>& homes) const;

  std::string app_;
  std::string scope_;
  std::vector<node_state> nodes_;
  std::deque<event> events_;
  std::chrono::system_clock::time_point updated_{};
};

/// The dashboard's HTML page (inline CSS and JS, no external asset), polling `data_path` (a
/// same-origin path) every second.
std::string dashboard_page(std::string_view data_path);

/// Headers for the page: a Content-Security-Policy allowing nothing but the page's own inline
/// code and same-origin fetches, no caching, no sniffing, no framing.
std::vector<std::pair<std::string, std::string>> dashboard_headers();

}  // namespace cleave
