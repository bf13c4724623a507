#include "tests/actors/shop/running_shop.hpp"

#include <stdlib.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace shop_test {

using namespace std::chrono_literals;

namespace {

const std::string shop_bin = std::string{CLEAVE_BIN_DIR} + "/shop";
const std::string configs = std::string{CLEAVE_SOURCE_DIR} + "/configs/shop/";

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void PrintTo(const shop_placement& p, std::ostream* os) {
  *os << (p.name.empty() ? p.file : p.name);
}

shop_placement events_nats_placement(const std::string& nats_url) {
  return {"events-nats.json",
          {"edge", "main", "orders-a", "orders-b", "products-a", "products-b", "notifications"},
          {{"NATS_URL", nats_url}},
          "events_nats"};
}

std::vector<shop_placement> local_placements() {
  return {
      {"monolith.json", {"main"}, {}, "monolith"},
      {"step3.json", {"main", "products"}, {}, "step3"},
      {"step4.json", {"main", "orders", "products"}, {}, "step4_remote_products"},
      {"step4.json", {"main", "orders"}, {{"PRODUCTS_NODE", "orders"}}, "step4_local_products"},
      {"step5.json",
       {"edge", "main", "orders-a", "orders-b", "products-a", "products-b", "notifications"},
       {},
       "step5"},
  };
}

running_shop::running_shop(const shop_placement& placement, std::vector<std::string> sets,
                           bool ready)
    : placement_(placement), port_(cleave_test::free_port()) {
  // The nodes inherit the environment; the certificates are made beside the placement's copy.
  ::setenv("DATA_DIR", (dir_.path() + "/data").c_str(), 1);
  ::unsetenv("PRODUCTS_NODE");
  ::unsetenv("NATS_URL");
  for (const auto& [name, value] : placement.env) ::setenv(name.c_str(), value.c_str(), 1);
  auto file = dir_.write(placement.file, read_file(configs + placement.file));
  sets.push_back("components.gateway.config.listen=127.0.0.1:" + std::to_string(port_));
  auto all = placement.nodes;
  all.insert(all.end(), placement.later.begin(), placement.later.end());
  nodes_ = std::make_unique<cleave_test::cluster>(shop_bin, file, all, sets);
  for (auto it = placement.nodes.rbegin(); it != placement.nodes.rend(); ++it) nodes_->start(*it);
  if (ready && !wait_ready(30s))
    throw std::runtime_error("the shop did not get ready within 30 s\n" + nodes_->report());
  // A node with peers says when it accepts them (one alone has none).
  if (placement.nodes.size() > 1)
    for (const auto& n : placement.nodes)
      if (!nodes_->wait_listening(n, 20s))
        throw std::runtime_error(n + " did not listen within 20 s\n" + nodes_->report());
}

running_shop::~running_shop() {
  for (const auto& [name, value] : placement_.env) ::unsetenv(name.c_str());
}

gateway_test::http_reply running_shop::get(const std::string& target) const {
  return gateway_test::get(port_, target);
}

gateway_test::http_reply running_shop::post(const std::string& target,
                                            const std::string& body) const {
  return gateway_test::post(port_, target, body);
}

bool running_shop::wait_ready(std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (gateway_test::get(port_, "/readyz").status == 200) return true;
    std::this_thread::sleep_for(10ms);  // a poll interval, not a synchronisation
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

bool running_shop::restart(const std::string& node) {
  nodes_->start(node);
  if (node == placement_.nodes.front()) return wait_ready(30s);
  return placement_.nodes.size() < 2 || nodes_->wait_listening(node, 30s);
}

order_load::order_load(const running_shop& shop, std::string user,
                       std::vector<std::string> products, int clients, int max,
                       std::chrono::milliseconds pause)
    : shop_(shop),
      user_(std::move(user)),
      products_(std::move(products)),
      max_(max),
      pause_(pause) {
  for (int c = 0; c < clients; ++c)
    clients_.emplace_back([this] {
      for (int i = sent_++; i < max_ && !stopping_; i = sent_++) {
        const auto& product = products_[static_cast<size_t>(i) % products_.size()];
        auto r = shop_.post("/orders", R"({"user_id":")" + user_ + R"(","product_id":")" + product +
                                           R"(","quantity":1})");
        if (r.status == 201) ++accepted_;
        {
          std::lock_guard<std::mutex> guard{mutex_};
          outcomes_.push_back({r.status, r.body, product, std::chrono::steady_clock::now()});
        }
        // No gateway, or "not done, retry": back off, as clients do.
        if (r.status == 0 || r.status == 503)
          std::this_thread::sleep_for(20ms);
        else if (pause_.count() > 0)
          std::this_thread::sleep_for(pause_);  // a paced client
      }
    });
}

order_load::~order_load() {
  stop();
}

bool order_load::wait_accepted(int n, std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (accepted_ < n && sent_ < max_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);  // a poll interval
  return accepted_ >= n;
}

std::vector<order_outcome> order_load::stop() {
  stopping_ = true;
  for (auto& t : clients_)
    if (t.joinable()) t.join();
  std::lock_guard<std::mutex> guard{mutex_};
  return outcomes_;
}

std::string json_field(const std::string& body, const std::string& name) {
  std::smatch m;
  if (std::regex_search(body, m, std::regex{"\"" + name + "\":\"?([^\",}]*)"})) return m[1];
  return {};
}

}  // namespace shop_test
