// Counter and Heartbeat over real HTTP, as processes, under their monolith and split placements:
// rate limiting and recovery, request ids in the logs of every node, /metrics matching the
// traffic, and a graceful stop under load that loses no accepted request.
#include <signal.h>

#include <atomic>
#include <future>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/testkit/detail/cluster.hpp"
#include "tests/runtime/gateway/http_client.hpp"
#include "tests/runtime/metrics/prometheus_parser.hpp"

namespace {

using namespace std::chrono_literals;
using cleave_test::cluster;
using clock_type = std::chrono::steady_clock;

const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string configs = std::string{CLEAVE_SOURCE_DIR} + "/configs/";
constexpr auto child_deadline = 10s;
constexpr std::string_view gateway_ready = R"("msg":"gateway listening")";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

namespace prometheus = cleave::metrics::testing;

/// The value of the sample `name{labels}` (exactly those labels), or -1 if there is none.
double value_of(const prometheus::exposition& e, const std::string& name,
                const std::map<std::string, std::string>& labels) {
  for (const auto& s : e.samples)
    if (s.name == name && s.labels == labels) return s.value;
  return -1;
}

/// An app under one of its placements, with its gateway on a free port.
struct edge_app {
  edge_app(std::string app_name, std::string placement_name, std::vector<std::string> node_names,
           std::string gateway, std::vector<std::string> extra_sets)
      : app(std::move(app_name)),
        placement(std::move(placement_name)),
        nodes(std::move(node_names)),
        gateway_node(std::move(gateway)),
        sets(std::move(extra_sets)) {}

  std::string app;
  std::string placement;           // "monolith" or "split"
  std::vector<std::string> nodes;  // in start order: the gateway's node last
  std::string gateway_node;
  std::vector<std::string> sets;  // extra --set values
  uint16_t http_port = cleave_test::free_port();
  std::unique_ptr<cluster> c;

  void start() {
    auto all_sets = sets;
    all_sets.push_back("components.gateway.config.listen=127.0.0.1:" + std::to_string(http_port));
    c = std::make_unique<cluster>(bin_dir + "/" + app, configs + app + "/" + placement + ".json",
                                  nodes, all_sets);
    for (const auto& n : nodes) c->start(n);
    ASSERT_TRUE(c->at(gateway_node).wait_for_error_output(gateway_ready, child_deadline))
        << c->report();
  }
};

struct placement_case {
  std::string placement;
  std::vector<std::string> nodes;
  std::string gateway_node;
};

const placement_case counter_monolith{"monolith", {"main"}, "main"};
const placement_case counter_split{"split", {"core", "edge"}, "edge"};
const placement_case heartbeat_monolith{"monolith", {"main"}, "main"};
const placement_case heartbeat_split{"split", {"worker", "web"}, "web"};

std::string case_name(const ::testing::TestParamInfo<placement_case>& info) {
  return info.param.placement;
}

/// Lets GoogleTest (and so ctest) name a case by its placement.
[[maybe_unused]] void PrintTo(const placement_case& c, std::ostream* os) {
  *os << c.placement;
}

// -- Counter ------------------------------------------------------------------------------------

class counter_edge : public ::testing::TestWithParam<placement_case> {
 protected:
  edge_app start(std::vector<std::string> sets = {}) {
    edge_app a{"counter", GetParam().placement, GetParam().nodes, GetParam().gateway_node,
               std::move(sets)};
    a.start();
    return a;
  }
};

TEST_P(counter_edge, rate_limited_then_recovers_when_the_bucket_refills) {
  auto a = start();
  if (HasFatalFailure()) return;
  auto first = gateway_test::post(a.http_port, "/add", R"({"v":1})");
  ASSERT_EQ(first.status, 200) << first.body << "\n" << a.c->report();
  EXPECT_EQ(first.body, R"({"v":1})");
  auto second = gateway_test::post(a.http_port, "/add", R"({"v":1})");
  EXPECT_EQ(second.status, 429) << second.body;
  // Every error body carries the request id, the one in the X-Request-Id header.
  EXPECT_EQ(second.body, R"({"error":"rate limit exceeded","request_id":")" +
                             second.header("x-request-id") + "\"}")
      << second.body;
  EXPECT_FALSE(second.header("x-request-id").empty());
  EXPECT_EQ(second.header("retry-after"), "2");
  // Scrapes and probes are not throttled with the clients.
  EXPECT_EQ(gateway_test::get(a.http_port, "/metrics").status, 200);
  EXPECT_EQ(gateway_test::get(a.http_port, "/healthz").status, 200);
  // One token every 2 s: poll until the bucket lets a request through again.
  gateway_test::http_reply later;
  gateway_test::poll_until(
      5s,
      [&] {
        later = gateway_test::post(a.http_port, "/add", R"({"v":1})");
        return later.status != 429;
      },
      50ms);
  EXPECT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(later.body, R"({"v":2})") << "the refused request must not have been counted";
}

TEST_P(counter_edge, request_id_is_returned_and_appears_in_the_logs_of_every_node) {
  auto a = start({"defaults.log_calls=true"});
  if (HasFatalFailure()) return;
  gateway_test::http_call call;
  call.method = "POST";
  call.target = "/add";
  call.body = R"({"v":5})";
  call.headers = {{"X-Request-Id", "it-req-0042"}};
  auto r = gateway_test::http(a.http_port, call);
  ASSERT_EQ(r.status, 200) << r.body << "\n" << a.c->report();
  EXPECT_EQ(r.header("x-request-id"), "it-req-0042");
  for (const auto& node : a.nodes)
    EXPECT_TRUE(a.c->at(node).wait_for_error_output(R"("request_id":"it-req-0042")", 5s))
        << "node " << node << " did not log the request id\n"
        << a.c->report();
}

TEST_P(counter_edge, metrics_count_exactly_the_requests_made) {
  auto a = start({"components.gateway.config.rate_limit.rate=100000",
                  "components.gateway.config.rate_limit.burst=100000"});
  if (HasFatalFailure()) return;
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(gateway_test::post(a.http_port, "/add", R"({"v":1})").status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(gateway_test::get(a.http_port, "/nosuch").status, 404);
  auto m = gateway_test::get(a.http_port, "/metrics");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  // The strict reader throws on any line a Prometheus server would refuse.
  prometheus::exposition e;
  ASSERT_NO_THROW(e = prometheus::parser::parse(m.body)) << m.body;
  EXPECT_EQ(
      value_of(e, "http_requests_total", {{"code", "200"}, {"method", "POST"}, {"route", "/add"}}),
      5)
      << m.body;
  EXPECT_EQ(value_of(e, "http_requests_total",
                     {{"code", "404"}, {"method", "GET"}, {"route", "unmatched"}}),
            2)
      << m.body;
  EXPECT_EQ(e.type["http_request_duration_seconds"], "histogram");
  // The gateway's calls to the counter: in-process in the monolith, to another node when split.
  std::string placement = GetParam().placement == "split" ? "remote" : "local";
  EXPECT_EQ(
      value_of(
          e, "cleave_calls_total",
          {{"component", "counter"}, {"op", "add"}, {"outcome", "ok"}, {"placement", placement}}),
      5)
      << m.body;
  EXPECT_EQ(e.type["cleave_call_duration_seconds"], "histogram");
  EXPECT_GT(value_of(e, "process_resident_memory_bytes", {}), 0) << m.body;
}

// SIGTERM while four clients post: every request the gateway accepted is answered and applied
// once, later ones are refused (connection refused or cut, or 503 and not applied), and the node
// exits 0 promptly.
TEST_P(counter_edge, graceful_stop_under_load_loses_no_accepted_request) {
  auto a = start({"components.gateway.config.rate_limit.rate=100000",
                  "components.gateway.config.rate_limit.burst=100000",
                  "components.gateway.config.drain_timeout_ms=1000"});
  if (HasFatalFailure()) return;
  constexpr int clients = 4;
  constexpr int max_requests = 300;  // each client; bounded whatever happens
  std::atomic<int> answered{0};
  std::vector<std::future<std::vector<gateway_test::http_reply>>> load;
  for (int i = 0; i < clients; ++i)
    load.push_back(std::async(std::launch::async, [&] {
      std::vector<gateway_test::http_reply> replies;
      for (int n = 0; n < max_requests; ++n) {
        auto r = gateway_test::post(a.http_port, "/add", R"({"v":1})");
        replies.push_back(r);
        if (r.status == 0) break;  // the gateway no longer accepts connections
        ++answered;
      }
      return replies;
    }));
  // Stop while requests are flowing.
  auto deadline = clock_type::now() + 10s;
  while (answered < 50 && clock_type::now() < deadline) std::this_thread::yield();
  a.c->at(a.gateway_node).signal(SIGTERM);
  // Well past the 1 s drain it needs, well short of a hang (a lost Poco wake-up once cost 10 s).
  auto stop_deadline = clock_type::now() + 5s;
  std::set<int64_t> totals;
  int ok = 0;
  for (auto& f : load)
    for (const auto& r : f.get()) {
      if (r.status == 0) continue;  // refused: never accepted
      // Read just as the drain ended: refused, not served (the totals below check it).
      if (r.status == 503 && contains(r.body, R"({"error":"the gateway is stopping")")) continue;
      ASSERT_EQ(r.status, 200) << "an accepted request was not answered: " << r.body << "\n"
                               << a.c->report();
      std::smatch m;
      ASSERT_TRUE(std::regex_match(r.body, m, std::regex{R"(\{"v":([0-9]+)\})"})) << r.body;
      totals.insert(std::stoll(m[1]));
      ++ok;
    }
  // Every answered add was applied once: the totals are exactly 1..ok.
  ASSERT_GT(ok, 0);
  EXPECT_EQ(static_cast<int>(totals.size()), ok);
  EXPECT_EQ(*totals.rbegin(), ok);
  auto code = a.c->at(a.gateway_node).wait(stop_deadline);
  ASSERT_TRUE(code) << "the gateway node did not stop within 5 s\n" << a.c->report();
  EXPECT_EQ(*code, 0) << a.c->report();
}

INSTANTIATE_TEST_SUITE_P(placements, counter_edge,
                         ::testing::Values(counter_monolith, counter_split), case_name);

// -- Heartbeat ----------------------------------------------------------------------------------

class heartbeat_edge : public ::testing::TestWithParam<placement_case> {};

TEST_P(heartbeat_edge, ping_beats_and_interval_change_while_running) {
  edge_app a{"heartbeat", GetParam().placement, GetParam().nodes, GetParam().gateway_node, {}};
  a.start();
  if (HasFatalFailure()) return;
  auto ping = gateway_test::get(a.http_port, "/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, R"({"payload":"PONG"})");
  auto none = gateway_test::get(a.http_port, "/beats");
  EXPECT_EQ(none.body, R"({"payload":0})") << "the configured interval is 60 s";
  gateway_test::http_call put;
  put.method = "PUT";
  put.target = "/interval";
  put.body = R"({"ms":20})";
  auto changed = gateway_test::http(a.http_port, put);
  EXPECT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.body, R"({"ms":20})");
  std::string beats;
  gateway_test::poll_until(5s, [&] {
    beats = gateway_test::get(a.http_port, "/beats").body;
    return beats == R"({"payload":3})";
  });
  std::smatch m;
  ASSERT_TRUE(std::regex_match(beats, m, std::regex{R"(\{"payload":([0-9]+)\})"})) << beats;
  EXPECT_GE(std::stoll(m[1]), 3) << "the new interval did not take effect";
  const auto& ticker_node = GetParam().nodes.front();
  EXPECT_TRUE(a.c->at(ticker_node).wait_for_output("bump,Bump... @ ", 5s)) << a.c->report();
}

TEST(heartbeat_readiness, ready_only_while_every_called_component_is_reachable) {
  edge_app a{"heartbeat", "split", {"worker", "web"}, "web", {}};
  a.start();
  if (HasFatalFailure()) return;
  auto health = gateway_test::get(a.http_port, "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  auto ready = gateway_test::get(a.http_port, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body << "\n" << a.c->report();
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
  a.c->at("worker").signal(SIGKILL);
  ASSERT_TRUE(a.c->at("worker").wait(child_deadline)) << a.c->report();
  // The gateway's node learns of the loss from the closed connection, within milliseconds.
  gateway_test::http_reply gone;
  gateway_test::poll_until(5s, [&] {
    gone = gateway_test::get(a.http_port, "/readyz");
    return gone.status != 200;
  });
  EXPECT_EQ(gone.status, 503) << gone.body;
  // The public /readyz names nothing internal (readyz_detail is off); the gateway's log says what.
  EXPECT_TRUE(contains(gone.body, R"({"error":"not ready","request_id":)")) << gone.body;
  EXPECT_FALSE(contains(gone.body, "worker")) << gone.body;
  EXPECT_TRUE(a.c->at("web").wait_for_error_output("ticker on node", child_deadline))
      << a.c->report();
  auto still_alive = gateway_test::get(a.http_port, "/healthz");
  EXPECT_EQ(still_alive.status, 200) << "the gateway itself is healthy";
  // The worker comes back on the same port: ready again, without restarting the gateway.
  a.c->start("worker");
  gateway_test::http_reply again;
  gateway_test::poll_until(10s, [&] {
    again = gateway_test::get(a.http_port, "/readyz");
    return again.status == 200;
  });
  EXPECT_EQ(again.status, 200) << again.body << "\n" << a.c->report();
}

INSTANTIATE_TEST_SUITE_P(placements, heartbeat_edge,
                         ::testing::Values(heartbeat_monolith, heartbeat_split), case_name);

// -- Admin port ---------------------------------------------------------------------------------

// A node without a gateway serves /healthz, /readyz, /metrics and /debug/vars on the admin
// address of its placement; /readyz follows what its components declare they call.
TEST(admin_port, node_without_a_gateway_serves_health_readiness_and_metrics) {
  // "forwarder" declares that it calls "echo" (tests/runtime/component/test_components.cpp).
  cleave_test::temp_dir dir;
  auto file = dir.write("placement.json", R"({
    "app": "cleave_test_app",
    "defaults": {"timeout_ms": 2000},
    "nodes": {"a": {"port": 1}, "b": {"port": 2}},
    "components": {"forwarder": {"node": "a"}, "echo": {"node": "b"}, "whoami": {"node": "b"},
                   "later": {"node": "b"}, "answerer": {"node": "b"}, "relay": {"node": "b"},
                   "failing": {"node": "b"}, "sequencer": {"node": "b"},
                   "silent": {"node": "b", "config": {"greeting": "hi"}}}})");
  auto admin = cleave_test::free_port();
  cluster c{bin_dir + "/cleave_test_app",
            file,
            {"a", "b"},
            {"nodes.a.admin=127.0.0.1:" + std::to_string(admin)}};
  c.start("b");
  ASSERT_TRUE(c.wait_listening("b", child_deadline)) << c.report();
  c.start("a");
  ASSERT_TRUE(c.at("a").wait_for_error_output(gateway_ready, child_deadline)) << c.report();
  EXPECT_TRUE(contains(c.at("a").errors(), R"("component":"cleave-admin")")) << c.report();

  auto health = gateway_test::get(admin, "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  auto ready = gateway_test::get(admin, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body << "\n" << c.report();
  auto metrics = gateway_test::get(admin, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(contains(metrics.header("content-type"), "text/plain; version=0.0.4"))
      << metrics.header("content-type");
  prometheus::exposition e;
  ASSERT_NO_THROW(e = prometheus::parser::parse(metrics.body)) << metrics.body;
  EXPECT_GT(value_of(e, "process_resident_memory_bytes", {}), 0) << metrics.body;
  // Scrapes are not traffic: the admin port counts no requests.
  EXPECT_EQ(e.type.count("http_requests_total"), 0u) << metrics.body;
  auto vars = gateway_test::get(admin, "/debug/vars");
  EXPECT_EQ(vars.status, 200);
  EXPECT_TRUE(contains(vars.body, R"("request.count":0)")) << vars.body;
  auto other = gateway_test::get(admin, "/add");
  EXPECT_EQ(other.status, 404) << other.body;

  // The node "a" calls loses "echo": not ready, naming it, while "a" itself stays healthy.
  c.at("b").signal(SIGKILL);
  ASSERT_TRUE(c.at("b").wait(child_deadline)) << c.report();
  gateway_test::http_reply lost;
  ASSERT_TRUE(gateway_test::poll_until(5s,
                                       [&] {
                                         lost = gateway_test::get(admin, "/readyz");
                                         return lost.status == 503;
                                       }))
      << lost.status << " " << lost.body << "\n"
      << c.report();
  EXPECT_TRUE(contains(lost.body, "not ready: ")) << lost.body;
  EXPECT_TRUE(contains(lost.body, "echo on node \\\"b\\\"")) << lost.body;
  EXPECT_EQ(gateway_test::get(admin, "/healthz").status, 200);

  c.at("a").signal(SIGTERM);
  EXPECT_EQ(c.at("a").wait(child_deadline), 0) << c.report();
  EXPECT_FALSE(cleave_test::accepts_connections(admin)) << "the admin port outlived its node";
}

TEST(admin_port, a_node_whose_components_call_nothing_is_ready_once_started) {
  auto admin = cleave_test::free_port();
  edge_app a{"counter",
             "split",
             {"core", "edge"},
             "edge",
             {"nodes.core.admin=127.0.0.1:" + std::to_string(admin)}};
  a.start();
  if (HasFatalFailure()) return;
  // The gateway's node is up; the core's admin port comes up on its own schedule.
  ASSERT_TRUE(
      a.c->at("core").wait_for_error_output(R"("component":"cleave-admin")", child_deadline))
      << a.c->report();
  auto ready = gateway_test::get(admin, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body << "\n" << a.c->report();
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
  // The edge's gateway is a node away and unaffected: its own port still serves the app.
  EXPECT_EQ(gateway_test::post(a.http_port, "/add", R"({"v":2})").body, R"({"v":2})");
}

}  // namespace
