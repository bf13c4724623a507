// The dashboard's model: rounds of status probes in, the JSON the page polls out (rates over the
// window, p50/p99 per edge from the histogram's difference, nodes down at once, restarts), and
// the page itself (no external asset, the data path in place).
#include "runtime/node/dashboard.hpp"

#include <gtest/gtest.h>

#include <string>

#include <boost/json/serialize.hpp>

#include "runtime/component/detail/call_edges.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = cleave::dashboard_view::clock;
namespace protocol = cleave::protocol;

/// An edge with `calls` calls, all of about `us` µs, `errors` of them failed.
protocol::edge_status edge(std::string caller, std::string callee, uint64_t calls, uint64_t errors,
                           uint64_t us) {
  protocol::edge_status e;
  e.caller = std::move(caller);
  e.callee = std::move(callee);
  e.calls = calls;
  e.errors = errors;
  e.latency_sum_us = calls * us;
  e.latency_buckets.assign(cleave::detail::call_edge_buckets, 0);
  e.latency_buckets[cleave::detail::call_edge_bucket(us)] = calls;
  return e;
}

protocol::node_status status(const std::string& node, int32_t pid, uint64_t served,
                             std::vector<protocol::edge_status> edges = {}) {
  protocol::node_status s;
  s.app = "shop";
  s.node = node;
  s.pid = pid;
  s.uptime_ms = 1000;
  s.components = {{"orders", served, true, false}};
  s.edges = std::move(edges);
  return s;
}

cleave::node_probe up(const std::string& node, protocol::node_status s) {
  cleave::node_probe p;
  p.name = node;
  p.address = "127.0.0.1:7311";
  p.status = std::move(s);
  return p;
}

cleave::node_probe down(const std::string& node, std::string why) {
  cleave::node_probe p;
  p.name = node;
  p.address = "127.0.0.1:7311";
  p.error = std::move(why);
  return p;
}

const boost::json::object& node_of(const boost::json::object& j, size_t i) {
  return j.at("nodes").as_array().at(i).as_object();
}

TEST(dashboard_view, the_first_answer_shows_counts_but_no_rates_yet) {
  cleave::dashboard_view v{"shop", "cluster"};
  v.update({up("orders", status("orders", 10, 5, {edge("orders", "products", 5, 0, 150)}))});
  auto j = v.json();
  EXPECT_EQ(j.at("app").as_string(), "shop");
  EXPECT_EQ(j.at("scope").as_string(), "cluster");
  const auto& n = node_of(j, 0);
  EXPECT_EQ(n.at("state").as_string(), "up");
  EXPECT_EQ(n.at("address").as_string(), "127.0.0.1:7311");
  EXPECT_EQ(n.at("pid").as_int64(), 10);
  const auto& c = n.at("components").as_array().at(0).as_object();
  EXPECT_EQ(c.at("name").as_string(), "orders");
  EXPECT_EQ(c.at("calls").as_uint64(), 5U);
  EXPECT_TRUE(c.at("calls_per_s").is_null());
  const auto& e = j.at("edges").as_array().at(0).as_object();
  EXPECT_EQ(e.at("caller").as_string(), "orders");
  EXPECT_EQ(e.at("callee").as_string(), "products");
  EXPECT_EQ(e.at("node").as_string(), "orders");
  EXPECT_TRUE(e.at("calls_per_s").is_null());
  EXPECT_DOUBLE_EQ(e.at("mean_ms").as_double(), 0.15);
}

TEST(dashboard_view, rates_and_quantiles_come_from_the_window_between_two_answers) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto t0 = clock_type::now();
  // Before: 100 fast calls. In the window of 2 s: 40 more, at about 8 ms, 4 of them failed.
  v.update({up("orders", status("orders", 10, 100, {edge("orders", "products", 100, 0, 15)}))}, t0);
  auto later = edge("orders", "products", 140, 4, 15);
  later.latency_buckets[cleave::detail::call_edge_bucket(15)] = 100;
  later.latency_buckets[cleave::detail::call_edge_bucket(8000)] = 40;
  v.update({up("orders", status("orders", 10, 160, {later}))}, t0 + 2s);
  auto j = v.json();
  const auto& c = node_of(j, 0).at("components").as_array().at(0).as_object();
  EXPECT_DOUBLE_EQ(c.at("calls_per_s").as_double(), 30.0);
  const auto& e = j.at("edges").as_array().at(0).as_object();
  EXPECT_DOUBLE_EQ(e.at("calls_per_s").as_double(), 20.0);
  EXPECT_DOUBLE_EQ(e.at("errors_per_s").as_double(), 2.0);
  EXPECT_EQ(e.at("window_ms").as_int64(), 2000);
  // Only the window's calls count: all of them in (5, 10] ms.
  EXPECT_GT(e.at("p50_ms").as_double(), 5.0);
  EXPECT_LE(e.at("p50_ms").as_double(), 10.0);
  EXPECT_GT(e.at("p99_ms").as_double(), 5.0);
  EXPECT_LE(e.at("p99_ms").as_double(), 10.0);
  EXPECT_EQ(e.at("calls").as_uint64(), 140U);
  EXPECT_EQ(e.at("errors").as_uint64(), 4U);
}

TEST(dashboard_view, an_idle_edge_has_a_zero_rate_and_no_quantiles) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto t0 = clock_type::now();
  v.update({up("orders", status("orders", 10, 5, {edge("orders", "products", 5, 0, 150)}))}, t0);
  v.update({up("orders", status("orders", 10, 5, {edge("orders", "products", 5, 0, 150)}))},
           t0 + 1s);
  auto j = v.json();
  const auto& e = j.at("edges").as_array().at(0).as_object();
  EXPECT_DOUBLE_EQ(e.at("calls_per_s").as_double(), 0.0);
  EXPECT_TRUE(e.at("p50_ms").is_null());
  EXPECT_TRUE(e.at("p99_ms").is_null());
}

TEST(dashboard_view, polls_faster_than_the_minimum_window_share_one_baseline) {
  cleave::dashboard_view v{"shop", "node"};
  auto t0 = clock_type::now();
  v.update({up("orders", status("orders", 10, 0))}, t0);
  v.update({up("orders", status("orders", 10, 10))}, t0 + 1s);
  // 100 ms later: the rate is still over a window of at least min_window.
  v.update({up("orders", status("orders", 10, 11))}, t0 + 1100ms);
  auto j = v.json();
  const auto& c = node_of(j, 0).at("components").as_array().at(0).as_object();
  EXPECT_DOUBLE_EQ(c.at("calls_per_s").as_double(), 11.0 / 1.1);
}

TEST(dashboard_view, a_node_that_does_not_answer_is_down_at_once_with_an_event) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto t0 = clock_type::now();
  auto wall = std::chrono::system_clock::now();
  v.update({up("orders", status("orders", 10, 5, {edge("orders", "products", 5, 0, 150)}))}, t0,
           wall);
  v.update({down("orders", "cannot connect")}, t0 + 500ms, wall + 500ms);
  auto j = v.json();
  const auto& n = node_of(j, 0);
  EXPECT_EQ(n.at("state").as_string(), "down");
  EXPECT_EQ(n.at("error").as_string(), "cannot connect");
  EXPECT_EQ(n.at("last_seen_ms_ago").as_int64(), 500);
  EXPECT_EQ(n.at("pid").as_int64(), 10) << "the last known pid stays";
  EXPECT_TRUE(n.at("uptime_ms").is_null());
  EXPECT_TRUE(j.at("edges").as_array().empty()) << "a node that is down makes no calls";
  const auto& ev = j.at("events").as_array().at(0).as_object();
  EXPECT_EQ(ev.at("node").as_string(), "orders");
  EXPECT_EQ(ev.at("text").as_string(), "down: cannot connect");
  v.update({up("orders", status("orders", 10, 5))}, t0 + 1s, wall + 1s);
  EXPECT_EQ(v.json().at("events").as_array().at(0).at("text").as_string(), "up again");
}

TEST(dashboard_view, a_node_never_seen_is_down_without_a_last_seen_time) {
  cleave::dashboard_view v{"shop", "cluster"};
  v.update({down("orders", "refused")});
  auto j = v.json();
  const auto& n = node_of(j, 0);
  EXPECT_EQ(n.at("state").as_string(), "down");
  EXPECT_TRUE(n.at("last_seen_ms_ago").is_null());
  EXPECT_TRUE(n.at("pid").is_null());
  EXPECT_TRUE(j.at("events").as_array().empty()) << "it did not go down: it never was up";
}

TEST(dashboard_view, a_new_pid_is_a_restart_and_rates_start_again) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto t0 = clock_type::now();
  v.update({up("orders", status("orders", 10, 500))}, t0);
  v.update({up("orders", status("orders", 10, 600))}, t0 + 1s);
  auto restarted = status("orders", 11, 3);
  restarted.restarts = 1;
  v.update({up("orders", restarted)}, t0 + 2s);
  auto j = v.json();
  EXPECT_EQ(j.at("events").as_array().at(0).at("text").as_string(),
            "restarted: pid 10 -> 11 (restarts by cleave up: 1)");
  const auto& n = node_of(j, 0);
  EXPECT_EQ(n.at("restarts").as_int64(), 1);
  EXPECT_TRUE(n.at("components").as_array().at(0).at("calls_per_s").is_null())
      << "no rate across two processes";
}

TEST(dashboard_view, a_finished_node_is_finished_not_down) {
  cleave::dashboard_view v{"banano", "cluster"};
  auto p = down("front", "finished at 2026-01-01T00:00:00Z (exit code 0)");
  p.finished = true;
  v.update({p});
  EXPECT_EQ(node_of(v.json(), 0).at("state").as_string(), "finished");
}

TEST(dashboard_view, replicas_are_numbered_and_breakers_shown) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto a = status("orders-a", 10, 1);
  auto b = status("orders-b", 11, 1);
  auto edge_node = status("edge", 12, 0);
  edge_node.components = {{"gateway", 7, true, true}, {"cleave-admin", 0, true, true}};
  a.components.push_back({"cleave-admin", 0, true, true});
  edge_node.replicas = {{"orders", "orders-a", 4, "connected", "closed"},
                        {"orders", "orders-b", 3, "down", "open"}};
  v.update({up("edge", edge_node), up("orders-a", a), up("orders-b", b)});
  auto j = v.json();
  const auto& ca = node_of(j, 1).at("components").as_array().at(0).as_object();
  EXPECT_EQ(ca.at("replica").as_int64(), 1);
  EXPECT_EQ(ca.at("replicas").as_uint64(), 2U);
  const auto& cb = node_of(j, 2).at("components").as_array().at(0).as_object();
  EXPECT_EQ(cb.at("replica").as_int64(), 2);
  const auto& admin = node_of(j, 1).at("components").as_array().at(1).as_object();
  EXPECT_TRUE(admin.at("admin").as_bool());
  EXPECT_FALSE(admin.contains("replica")) << "every node's admin port is no replica";
  const auto& r = node_of(j, 0).at("replicas").as_array().at(1).as_object();
  EXPECT_EQ(r.at("replica").as_string(), "orders-b");
  EXPECT_EQ(r.at("state").as_string(), "down");
  EXPECT_EQ(r.at("breaker").as_string(), "open");
}

TEST(dashboard_view, events_are_bounded_newest_first) {
  cleave::dashboard_view v{"shop", "cluster"};
  auto t0 = clock_type::now();
  for (int i = 0; i < 30; ++i) {
    v.update({up("orders", status("orders", 10, 0))}, t0 + i * 2s);
    v.update({down("orders", "gone " + std::to_string(i))}, t0 + i * 2s + 1s);
  }
  auto events = v.json().at("events").as_array();
  EXPECT_EQ(events.size(), cleave::dashboard_view::max_events);
  EXPECT_EQ(events.at(0).at("text").as_string(), "down: gone 29");
}

TEST(dashboard_page, is_self_contained_and_polls_the_given_path) {
  auto page = cleave::dashboard_page("/api/cluster");
  EXPECT_NE(page.find("<meta name=\"cleave-data\" content=\"/api/cluster\">"), std::string::npos);
  EXPECT_EQ(page.find("@DATA_PATH@"), std::string::npos);
  // No asset from elsewhere: no src= or href= to another origin (the SVG namespace is a name).
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.find("href=\"http"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
}

TEST(dashboard_page, keeps_a_hostile_path_inside_its_attribute) {
  auto page = cleave::dashboard_page("/x\"><script>alert(1)</script>");
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(page.find("content=\"/xscriptalert1/script\""), std::string::npos);
}

TEST(dashboard_headers, forbid_every_origin_but_the_pages_own) {
  bool csp = false;
  for (const auto& [name, value] : cleave::dashboard_headers())
    if (name == "Content-Security-Policy") {
      csp = true;
      EXPECT_NE(value.find("default-src 'none'"), std::string::npos);
      EXPECT_NE(value.find("connect-src 'self'"), std::string::npos);
    }
  EXPECT_TRUE(csp);
}

}  // namespace
