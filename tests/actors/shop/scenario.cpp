#include "tests/actors/shop/scenario.hpp"

#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shop_test {

namespace {

using namespace std::chrono_literals;

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

}  // namespace

const std::string& scenario_expected_file() {
  static const std::string file =
      std::string{CLEAVE_SOURCE_DIR} + "/tests/actors/shop/scenario.expected.txt";
  return file;
}

std::string run_scenario(const scenario_http& http) {
  std::map<std::string, std::string> ids;
  std::ostringstream out;
  for (const auto& s : scenario) {
    auto target = with_ids(s.target, ids);
    gateway_test::http_reply reply;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      reply = http(s.method, target, with_ids(s.body, ids));
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

}  // namespace shop_test
