// One scripted Shop scenario over HTTP under every placement of configs/shop/ (events-nats.json
// with a real nats-server on a free port): users and products
// created, orders that succeed, fail on stock, on an unknown user or product and on bad fields,
// reads, and the notifications the orders' events leave. Every placement must give the answers in
// tests/actors/shop/scenario.expected.txt, with the ids the shop made written as the scenario's
// names for them ({ann}, {tea}, ...), since a replicated placement makes other ids.
// CLEAVE_WRITE_SCENARIO=1 writes the file from the run instead (then read the diff).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/actors/shop/running_shop.hpp"
#include "tests/integration/nats_server.hpp"

namespace {

using namespace std::chrono_literals;
using shop_test::read_file;
using shop_test::running_shop;
using shop_test::shop_placement;

const std::string expected_file =
    std::string{CLEAVE_SOURCE_DIR} + "/tests/actors/shop/scenario.expected.txt";

struct step {
  std::string method;
  std::string target;
  std::string body;
  /// A name for the "id" of the record the answer holds, usable as {name} in later steps.
  std::string names = {};
  /// Ask again (for at most 10 s) until the answer lists something: events arrive later.
  bool until_listed = false;
};

const std::vector<step> scenario = {
    {"POST", "/users", R"({"name":"Ann","email":"ann@example.org"})", "ann"},
    {"POST", "/users", R"({"name":"Bob","email":"bob@example.org"})", "bob"},
    {"POST", "/users", R"({"name":"","email":"nobody@example.org"})"},
    {"POST", "/products", R"({"name":"tea","price_cents":350,"stock":3})", "tea"},
    {"POST", "/products", R"({"name":"cake","price_cents":500,"stock":1})", "cake"},
    {"POST", "/products", R"({"name":"air","price_cents":-1,"stock":1})"},
    {"GET", "/users/{ann}", ""},
    {"GET", "/products/{tea}", ""},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"{tea}","quantity":2})", "ann_tea"},
    {"POST", "/orders", R"({"user_id":"{bob}","product_id":"{cake}","quantity":1})", "bob_cake"},
    {"POST", "/orders", R"({"user_id":"{bob}","product_id":"{tea}","quantity":2})"},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"{cake}","quantity":1})"},
    {"POST", "/orders", R"({"user_id":"u999999","product_id":"{tea}","quantity":1})"},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"p999999","quantity":1})"},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"{tea}"})"},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"{tea}","quantity":0})"},
    {"POST", "/orders", R"({"user_id":"{ann}","product_id":"{tea}","quantity":"two"})"},
    {"GET", "/orders/{ann_tea}", ""},
    {"GET", "/orders/{bob_cake}", ""},
    {"GET", "/orders/o999999", ""},
    {"GET", "/users/u999999", ""},
    {"GET", "/products/{tea}", ""},
    {"GET", "/products/{cake}", ""},
    {"GET", "/notifications?user={ann}", "", "", true},
    {"GET", "/notifications?user={bob}", "", "", true},
    {"GET", "/notifications?user=u999999", ""},
};

/// `text` with every {name} replaced by the id it names.
std::string with_ids(std::string text, const std::map<std::string, std::string>& ids) {
  for (const auto& [name, id] : ids) {
    const auto token = "{" + name + "}";
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at))
      text.replace(at, token.size(), id);
  }
  return text;
}

/// `text` with every id the shop made written as its name, and request ids left out.
std::string with_names(std::string text, const std::map<std::string, std::string>& ids) {
  for (const auto& [name, id] : ids)
    text = std::regex_replace(text, std::regex{"\\b" + id + "\\b"}, "{" + name + "}");
  return std::regex_replace(text, std::regex{R"("request_id":"[^"]*")"}, R"("request_id":"-")");
}

std::string run_scenario(const running_shop& shop) {
  std::map<std::string, std::string> ids;
  std::ostringstream out;
  for (const auto& s : scenario) {
    auto target = with_ids(s.target, ids);
    gateway_test::http_reply reply;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      reply = s.method == "GET" ? shop.get(target) : shop.post(target, with_ids(s.body, ids));
      if (!s.until_listed || reply.body.find(R"("items":[{)") != std::string::npos) break;
      std::this_thread::sleep_for(20ms);  // a poll interval, not a synchronisation
    } while (std::chrono::steady_clock::now() < deadline);
    if (!s.names.empty()) {
      std::smatch m;
      if (std::regex_search(reply.body, m, std::regex{R"re("id":"([^"]+)")re"}))
        ids[s.names] = m[1];
    }
    out << s.method << " " << s.target << (s.body.empty() ? "" : " " + s.body) << "\n  -> "
        << reply.status;
    if (auto location = reply.header("location"); !location.empty())
      out << " Location: " << with_names(location, ids);
    out << " " << with_names(reply.body, ids) << "\n";
  }
  return out.str();
}

class shop_scenario : public ::testing::TestWithParam<shop_placement> {};

TEST_P(shop_scenario, gives_the_same_answers_under_every_placement) {
  running_shop shop{GetParam()};
  auto transcript = run_scenario(shop);
  if (const char* write = ::getenv("CLEAVE_WRITE_SCENARIO"); write != nullptr && *write == '1') {
    std::ofstream{expected_file} << transcript;
    GTEST_SKIP() << "wrote " << expected_file;
  }
  EXPECT_EQ(transcript, read_file(expected_file)) << shop.report();
}

TEST(shop_scenario_nats, gives_the_same_answers_with_its_events_in_nats) {
  cleave_test::nats_server nats;
  running_shop shop{shop_test::events_nats_placement(nats.url())};
  EXPECT_EQ(run_scenario(shop), read_file(expected_file)) << shop.report() << nats.report();
}

INSTANTIATE_TEST_SUITE_P(shop, shop_scenario, ::testing::ValuesIn(shop_test::local_placements()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
