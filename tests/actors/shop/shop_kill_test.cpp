// kill -9 of a node of the shop while clients place orders, under each placement: the node that
// holds the orders (with the gateway, in the monolith and at step 3), the orders node of step 4,
// and one orders replica and one products replica of step 5. After the node is back:
// - every order answered 201 is readable, as it was answered;
// - each product's stock is its initial stock minus the orders stored for it: no reservation
//   lost or taken twice (an order begun when the node died is released once it is back);
// - every other answer was a clear error: 503 (not done) or 504 (outcome unknown), or no answer
//   at all while the gateway's own node was down; orders stored without a 201 are at most the
//   504s plus the requests that got no answer;
// - ids go on: nothing made after the restart reuses one.
// The load is bounded: 4 clients, at most 1000 orders or 90 s.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/actors/shop/running_shop.hpp"

namespace {

using namespace std::chrono_literals;
using shop_test::running_shop;
using shop_test::shop_placement;

struct kill_case {
  shop_placement placement;
  std::string victim;
};

void PrintTo(const kill_case& c, std::ostream* os) {
  *os << c.placement.name << " kill " << c.victim;
}

constexpr int64_t initial_stock = 100000;
constexpr int products = 4;
constexpr int clients = 4;
constexpr int max_orders = 1000;
/// Answered 201s before the kill, and after the restart.
constexpr int accepted_before = 40;
constexpr int accepted_after = 40;

class shop_kill : public ::testing::TestWithParam<kill_case> {};

TEST_P(shop_kill, loses_no_accepted_order_and_no_stock) {
  const auto& param = GetParam();
  // Request logs off: 400 lines per node would fill the pipes between reads.
  running_shop shop{param.placement, {"components.gateway.config.request_log.enabled=false"}};
  auto ann = shop.post("/users", R"({"name":"Ann","email":"ann@example.org"})");
  ASSERT_EQ(ann.status, 201) << ann.body;
  auto user = shop_test::json_field(ann.body, "id");
  std::vector<std::string> product_ids;
  for (int i = 0; i < products; ++i) {
    auto p = shop.post("/products", R"({"name":"item)" + std::to_string(i) +
                                        R"(","price_cents":100,"stock":)" +
                                        std::to_string(initial_stock) + "}");
    ASSERT_EQ(p.status, 201) << p.body;
    product_ids.push_back(shop_test::json_field(p.body, "id"));
  }

  shop_test::order_load load{shop, user, product_ids, clients, max_orders};
  bool before = load.wait_accepted(accepted_before, 30s);
  shop.nodes().at(param.victim).signal(SIGKILL);
  bool died = shop.nodes().at(param.victim).wait(10s).has_value();
  bool back = died && shop.restart(param.victim);
  int accepted_at_restart = load.accepted();
  bool after = back && load.wait_accepted(accepted_at_restart + accepted_after, 60s);
  auto outcomes = load.stop();
  ASSERT_TRUE(before && died && back && after)
      << "before " << before << ", died " << died << ", back " << back << ", after " << after
      << ", accepted " << load.accepted() << " of " << load.sent() << "\n"
      << shop.report();

  // Every 201 is readable as it was answered; other answers are clear errors.
  std::set<std::string> accepted_ids;
  int unavailable = 0;
  int unknown = 0;
  int unanswered = 0;
  for (const auto& o : outcomes) {
    if (o.status == 201) {
      auto id = shop_test::json_field(o.body, "id");
      accepted_ids.insert(id);
      auto read = shop.get("/orders/" + id);
      EXPECT_EQ(read.status, 200) << id;
      EXPECT_EQ(read.body, o.body) << id;
    } else if (o.status == 0) {
      ++unanswered;
      EXPECT_EQ(param.victim, param.placement.nodes.front())
          << "no answer, though the gateway's node was not killed: " << o.body;
    } else {
      EXPECT_TRUE(o.status == 503 || o.status == 504) << o.status << " " << o.body;
      EXPECT_NE(o.body.find(R"("error":)"), std::string::npos) << o.body;
      if (o.status == 504) ++unknown;
      if (o.status == 503) ++unavailable;
    }
  }
  EXPECT_EQ(accepted_ids.size(), static_cast<size_t>(load.accepted()));

  // The orders stored: every id the replicas can have made so far (ids of orders never stored
  // answer 404), up to 50 missing in a row after the highest one answered 201.
  std::map<std::string, int64_t> ordered;  // product -> quantity in stored orders
  size_t stored = 0;
  int highest = 0;
  for (const auto& id : accepted_ids) highest = std::max(highest, std::stoi(id.substr(1)));
  for (int n = 1, missing = 0; n <= highest || missing < 50; ++n) {
    auto read = shop.get("/orders/o" + std::to_string(n));
    ASSERT_TRUE(read.status == 200 || read.status == 404) << read.status << " " << read.body;
    missing = read.status == 200 ? 0 : missing + 1;
    if (read.status != 200) continue;
    ++stored;
    ordered[shop_test::json_field(read.body, "product_id")] +=
        std::stoll(shop_test::json_field(read.body, "quantity"));
  }
  std::cout << "[ figures  ] " << outcomes.size() << " orders sent: " << accepted_ids.size()
            << " answered 201, " << unavailable << " 503, " << unknown << " 504, " << unanswered
            << " unanswered; " << stored - std::min(stored, accepted_ids.size())
            << " stored without a 201\n";
  EXPECT_GE(stored, accepted_ids.size());
  EXPECT_LE(stored - accepted_ids.size(), static_cast<size_t>(unknown + unanswered))
      << "orders stored without a 201 that were not told 'outcome unknown'";

  // Stock: initial minus what stored orders took, once abandoned orders have been released.
  auto stock_matches = [&](std::string& mismatch) {
    for (const auto& p : product_ids) {
      auto read = shop.get("/products/" + p);
      auto stock = std::stoll("0" + shop_test::json_field(read.body, "stock"));
      if (read.status != 200 || stock != initial_stock - ordered[p]) {
        mismatch = p + ": " + read.body + ", stored orders took " + std::to_string(ordered[p]);
        return false;
      }
    }
    return true;
  };
  std::string mismatch;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!stock_matches(mismatch) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);  // a poll interval
  EXPECT_TRUE(stock_matches(mismatch)) << mismatch << "\n" << shop.report();

  // Ids go on after the restart.
  auto bob = shop.post("/users", R"({"name":"Bob","email":"bob@example.org"})");
  EXPECT_EQ(bob.status, 201) << bob.body;
  EXPECT_NE(shop_test::json_field(bob.body, "id"), user) << "an id handed out twice";
  auto again = shop.post("/orders", R"({"user_id":")" + user + R"(","product_id":")" +
                                        product_ids[0] + R"(","quantity":1})");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(accepted_ids.count(shop_test::json_field(again.body, "id")), 0U)
      << "an order id handed out twice";
}

std::vector<kill_case> kill_cases() {
  auto all = shop_test::local_placements();
  auto named = [&](const std::string& name) {
    for (const auto& p : all)
      if (p.name == name) return p;
    throw std::logic_error("no placement " + name);
  };
  return {
      {named("monolith"), "main"},
      {named("step3"), "main"},
      {named("step4_remote_products"), "orders"},
      {named("step5"), "orders-a"},
      {named("step5"), "products-a"},
  };
}

INSTANTIATE_TEST_SUITE_P(shop, shop_kill, ::testing::ValuesIn(kill_cases()), [](const auto& info) {
  auto name = info.param.placement.name + "_kill_" + info.param.victim;
  for (auto& ch : name)
    if (ch == '-') ch = '_';
  return name;
});

}  // namespace
