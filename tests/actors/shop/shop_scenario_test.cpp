// One scripted Shop scenario over HTTP under every placement of configs/shop/ (events-nats.json
// with a real nats-server on a free port): users and products
// created, orders that succeed, fail on stock, on an unknown user or product and on bad fields,
// reads, and the notifications the orders' events leave. Every placement must give the answers in
// tests/actors/shop/scenario.expected.txt, with the ids the shop made written as the scenario's
// names for them ({ann}, {tea}, ...), since a replicated placement makes other ids.
// CLEAVE_WRITE_SCENARIO=1 writes the file from the run instead (then read the diff).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <fstream>
#include <string>

#include "tests/actors/shop/running_shop.hpp"
#include "tests/actors/shop/scenario.hpp"
#include "tests/integration/nats_server.hpp"

namespace {

using shop_test::read_file;
using shop_test::running_shop;
using shop_test::shop_placement;

std::string run_scenario(const running_shop& shop) {
  return shop_test::run_scenario(
      [&](const std::string& method, const std::string& target, const std::string& body) {
        return method == "GET" ? shop.get(target) : shop.post(target, body);
      });
}

class shop_scenario : public ::testing::TestWithParam<shop_placement> {};

TEST_P(shop_scenario, gives_the_same_answers_under_every_placement) {
  running_shop shop{GetParam()};
  auto transcript = run_scenario(shop);
  if (const char* write = ::getenv("CLEAVE_WRITE_SCENARIO"); write != nullptr && *write == '1') {
    std::ofstream{shop_test::scenario_expected_file()} << transcript;
    GTEST_SKIP() << "wrote " << shop_test::scenario_expected_file();
  }
  EXPECT_EQ(transcript, read_file(shop_test::scenario_expected_file())) << shop.report();
}

TEST(shop_scenario_nats, gives_the_same_answers_with_its_events_in_nats) {
  cleave_test::nats_server nats;
  running_shop shop{shop_test::events_nats_placement(nats.url())};
  EXPECT_EQ(run_scenario(shop), read_file(shop_test::scenario_expected_file()))
      << shop.report() << nats.report();
}

INSTANTIATE_TEST_SUITE_P(shop, shop_scenario, ::testing::ValuesIn(shop_test::local_placements()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
