// The shop binary running under one of its placements (configs/shop/), for tests over HTTP: its
// nodes on free ports, its data in a temporary folder, the gateway answering /readyz with 200.
//
//   running_shop shop{shop_placement{"step3.json", {"main", "products"}}};
//   auto created = shop.post("/users", R"({"name":"Ann","email":"ann@example.org"})");
//   shop.nodes().at("main").signal(SIGKILL);   // then shop.restart("main")
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace shop_test {

struct shop_placement {
  /// The file in configs/shop/.
  std::string file;
  /// The nodes to run; the first holds the gateway.
  std::vector<std::string> nodes;
  /// Environment variables for the nodes (besides DATA_DIR), e.g. PRODUCTS_NODE.
  std::map<std::string, std::string> env = {};
  /// The test's name for it.
  std::string name = {};
  /// Nodes the shop has (they get ports) that the test starts itself, later.
  std::vector<std::string> later = {};
};

void PrintTo(const shop_placement& p, std::ostream* os);

/// Every placement of configs/shop/ that needs nothing installed beyond the build.
std::vector<shop_placement> local_placements();
/// configs/shop/events-nats.json, with its events in the NATS server at `nats_url`.
shop_placement events_nats_placement(const std::string& nats_url);

class running_shop {
 public:
  /// Starts every node and waits (at most 30 s) until the gateway is ready (with `ready` false:
  /// until every node started accepts peers); throws std::runtime_error with the nodes' output
  /// if it is not. `sets` are further overrides.
  explicit running_shop(const shop_placement& placement, std::vector<std::string> sets = {},
                        bool ready = true);
  ~running_shop();
  running_shop(const running_shop&) = delete;
  running_shop& operator=(const running_shop&) = delete;

  gateway_test::http_reply get(const std::string& target) const;
  gateway_test::http_reply post(const std::string& target, const std::string& body) const;

  uint16_t http_port() const { return port_; }
  cleave_test::cluster& nodes() { return *nodes_; }
  const shop_placement& placement() const { return placement_; }

  /// Starts `node` again on the same data, after it was killed, and waits until it accepts peers
  /// (or, for the gateway's node, until the gateway is ready); false if it did not within 30 s.
  bool restart(const std::string& node);

  /// Waits until the gateway answers /readyz with 200; false if it did not by `timeout`.
  bool wait_ready(std::chrono::seconds timeout) const;

  std::string report() { return nodes_->report(); }

 private:
  shop_placement placement_;
  cleave_test::temp_dir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<cleave_test::cluster> nodes_;
};

/// An order's answer, as a load's client got it.
struct order_outcome {
  int status = 0;
  std::string body;
  std::string product;
  std::chrono::steady_clock::time_point answered;
};

/// Clients placing orders of `user` (quantity 1, the products in turn) as fast as they are
/// answered (or `pause` apart), until stop() or `max` orders; a client backs off 20 ms after a
/// 503 or no answer.
class order_load {
 public:
  order_load(const running_shop& shop, std::string user, std::vector<std::string> products,
             int clients = 4, int max = 1000,
             std::chrono::milliseconds pause = std::chrono::milliseconds{0});
  /// Stops the clients (as stop()).
  ~order_load();
  order_load(const order_load&) = delete;
  order_load& operator=(const order_load&) = delete;

  int sent() const { return sent_; }
  int accepted() const { return accepted_; }
  /// Waits until `n` orders were answered 201 (true), or `max` were sent or `timeout` passed.
  bool wait_accepted(int n, std::chrono::seconds timeout) const;
  /// Stops the clients, waits for their last answers and returns every answer.
  std::vector<order_outcome> stop();

 private:
  const running_shop& shop_;
  std::string user_;
  std::vector<std::string> products_;
  int max_;
  std::chrono::milliseconds pause_;
  std::atomic<int> sent_{0};
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<order_outcome> outcomes_;
  std::vector<std::thread> clients_;
};

/// The text of the file at `path` ("" if it cannot be read).
std::string read_file(const std::string& path);

/// The value of `name` in the JSON object `body` ("" if absent), for ids and counts.
std::string json_field(const std::string& body, const std::string& name);

}  // namespace shop_test
