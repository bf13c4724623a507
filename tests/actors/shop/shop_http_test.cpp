// Shop as its users meet it: the shop binary under each of its placements (configs/shop/), on
// free ports with its data in a temporary folder, over HTTP. The same answers under every
// placement: creations 201 with Location, refusals naming their reason with 404, 409 or 400.
// After kill -9 of the node holding the orders and a restart on the same folder, everything
// answered 201 is still there, and ids go on.
#include <signal.h>

#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace std::chrono_literals;

const std::string shop_bin = std::string{CLEAVE_BIN_DIR} + "/shop";
const std::string configs = std::string{CLEAVE_SOURCE_DIR} + "/configs/shop/";

struct shop_placement {
  std::string file;
  /// Its nodes; the first holds the gateway and the orders.
  std::vector<std::string> nodes;
};

void PrintTo(const shop_placement& p, std::ostream* os) {
  *os << p.file;
}

class shop_http : public ::testing::TestWithParam<shop_placement> {};

TEST_P(shop_http, answers_as_documented_and_keeps_its_data_through_kill_9) {
  cleave_test::temp_dir dir;
  ::setenv("DATA_DIR", (dir.path() + "/data").c_str(), 1);  // the nodes inherit it
  auto port = cleave_test::free_port();
  const auto& placement = GetParam();
  auto file = dir.path() + "/" + placement.file;
  {
    std::ifstream in{configs + placement.file};
    std::stringstream text;
    text << in.rdbuf();
    dir.write(placement.file, text.str());  // its certificates are made beside it
  }
  cleave_test::cluster nodes{
      shop_bin,
      file,
      placement.nodes,
      {"components.gateway.config.listen=127.0.0.1:" + std::to_string(port)}};
  for (auto it = placement.nodes.rbegin(); it != placement.nodes.rend(); ++it) nodes.start(*it);
  const auto& front = placement.nodes.front();
  ASSERT_TRUE(nodes.at(front).wait_for_error_output("gateway listening", 20s)) << nodes.report();
  // Ready: every component the routes call can be reached (the products node too, split).
  auto ready_by = std::chrono::steady_clock::now() + 20s;
  while (gateway_test::get(port, "/readyz").status != 200 &&
         std::chrono::steady_clock::now() < ready_by) {
  }
  ASSERT_EQ(gateway_test::get(port, "/readyz").status, 200) << nodes.report();
  // A node with peers says when it accepts them (one alone has none).
  if (placement.nodes.size() > 1)
    for (const auto& n : placement.nodes)
      ASSERT_TRUE(nodes.wait_listening(n, 20s)) << nodes.report();
  auto ann = gateway_test::post(port, "/users", R"({"name":"Ann","email":"ann@example.org"})");
  EXPECT_EQ(ann.status, 201) << ann.body;
  EXPECT_EQ(ann.header("location"), "/users/u1");
  auto tea = gateway_test::post(port, "/products", R"({"name":"tea","price_cents":350,"stock":2})");
  EXPECT_EQ(tea.status, 201) << tea.body;
  auto ordered =
      gateway_test::post(port, "/orders", R"({"user_id":"u1","product_id":"p1","quantity":2})");
  EXPECT_EQ(ordered.status, 201) << ordered.body;
  EXPECT_EQ(ordered.header("location"), "/orders/o1");
  EXPECT_EQ(ordered.body,
            R"({"id":"o1","user_id":"u1","product_id":"p1","quantity":2,"total_cents":700})");
  auto sold_out =
      gateway_test::post(port, "/orders", R"({"user_id":"u1","product_id":"p1","quantity":1})");
  EXPECT_EQ(sold_out.status, 409) << sold_out.body;
  EXPECT_NE(sold_out.body.find("out of stock: product \\\"p1\\\" has 0, 1 asked for"),
            std::string::npos)
      << sold_out.body;
  auto stranger =
      gateway_test::post(port, "/orders", R"({"user_id":"u9","product_id":"p1","quantity":1})");
  EXPECT_EQ(stranger.status, 404) << stranger.body;
  auto unnamed = gateway_test::post(port, "/orders", R"({"user_id":"u1","product_id":"p1"})");
  EXPECT_EQ(unnamed.status, 400) << unnamed.body;
  EXPECT_NE(unnamed.body.find(R"(field \"quantity\" is required)"), std::string::npos);
  EXPECT_EQ(gateway_test::get(port, "/orders/o9").status, 404);
  // The notification follows the order's event.
  gateway_test::http_reply notes;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    notes = gateway_test::get(port, "/notifications?user=u1");
  } while (notes.body.find("o1") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(notes.body,
            R"({"items":[{"order_id":"o1","user_id":"u1","text":"order o1: 2 x p1"}]})");

  nodes.at(front).signal(SIGKILL);
  ASSERT_TRUE(nodes.at(front).wait(10s));
  nodes.start(front);  // a restart on the same data
  ASSERT_TRUE(nodes.at(front).wait_for_error_output("gateway listening", 20s)) << nodes.report();
  auto kept = gateway_test::get(port, "/orders/o1");
  EXPECT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(gateway_test::get(port, "/products/p1").body,
            R"({"id":"p1","name":"tea","price_cents":350,"stock":0})");
  EXPECT_EQ(gateway_test::get(port, "/notifications?user=u1").body, notes.body);
  auto bob = gateway_test::post(port, "/users", R"({"name":"Bob","email":"bob@example.org"})");
  EXPECT_EQ(bob.header("location"), "/users/u2") << "an id handed out twice";
}

INSTANTIATE_TEST_SUITE_P(shop, shop_http,
                         ::testing::Values(shop_placement{"monolith.json", {"main"}},
                                           shop_placement{"step3.json", {"main", "products"}}),
                         [](const auto& info) {
                           auto name = info.param.file;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
