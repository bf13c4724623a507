// Shop as its users meet it: the shop binary (configs/shop/monolith.json) on a free port with its
// data in a temporary folder, over HTTP. Creations answer 201 with Location, refusals name their
// reason with 404, 409 or 400; after kill -9 and a restart on the same folder everything answered
// 201 is still there, and ids go on.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "runtime/testkit/detail/process.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace std::chrono_literals;

const std::string shop_bin = std::string{CLEAVE_BIN_DIR} + "/shop";
const std::string monolith = std::string{CLEAVE_SOURCE_DIR} + "/configs/shop/monolith.json";

struct shop_process {
  shop_process(const std::string& data_dir, uint16_t port)
      : p{{shop_bin, "--placement", monolith},
          {{"DATA_DIR", data_dir}, {"SHOP_HTTP", "127.0.0.1:" + std::to_string(port)}}} {}
  cleave_test::process p;
};

TEST(shop_http, the_monolith_answers_as_documented_and_keeps_its_data_through_kill_9) {
  cleave_test::temp_dir dir;
  auto port = cleave_test::free_port();
  auto shop = std::make_unique<shop_process>(dir.path() + "/data", port);
  ASSERT_TRUE(shop->p.wait_for_error_output("gateway listening", 20s)) << shop->p.report();
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

  shop->p.signal(SIGKILL);
  ASSERT_TRUE(shop->p.wait(10s));
  shop = std::make_unique<shop_process>(dir.path() + "/data", port);
  ASSERT_TRUE(shop->p.wait_for_error_output("gateway listening", 20s)) << shop->p.report();
  auto kept = gateway_test::get(port, "/orders/o1");
  EXPECT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(gateway_test::get(port, "/products/p1").body,
            R"({"id":"p1","name":"tea","price_cents":350,"stock":0})");
  EXPECT_EQ(gateway_test::get(port, "/notifications?user=u1").body, notes.body);
  auto bob = gateway_test::post(port, "/users", R"({"name":"Bob","email":"bob@example.org"})");
  EXPECT_EQ(bob.header("location"), "/users/u2") << "an id handed out twice";
}

}  // namespace
