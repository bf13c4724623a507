// The scripted Shop scenario (users and products created, orders that succeed, fail on stock, on
// an unknown user or product and on bad fields, reads, the notifications the orders' events
// leave), run over any HTTP client; every placement must give the answers in
// tests/actors/shop/scenario.expected.txt, with the ids the shop made written as the scenario's
// names for them ({ann}, {tea}, ...).
//
//   auto transcript = shop_test::run_scenario([&](auto& method, auto& target, auto& body) {
//     return method == "GET" ? shop.get(target) : shop.post(target, body);
//   });
#pragma once

#include <functional>
#include <string>

#include "tests/runtime/gateway/http_client.hpp"

namespace shop_test {

/// Sends one request of the scenario (method "GET" or "POST"; body empty for a GET).
using scenario_http = std::function<gateway_test::http_reply(
    const std::string& method, const std::string& target, const std::string& body)>;

/// Runs the scenario through `http` and returns its transcript, ids written as names.
std::string run_scenario(const scenario_http& http);

/// The transcript every placement must give.
const std::string& scenario_expected_file();

}  // namespace shop_test
