// cleave_bench_shop (B12): Shop under a bounded load, and events cluster against NATS.
//
//   cleave_bench_shop [--quick] --source DIR      (the project: configs/shop/)
//
// 1. Shop's order path (POST /orders: the user checked, the stock reserved, the order and its
//    event committed, the notification stored) under `wrk -t2 -c16` for 10 s (2 s --quick), each
//    placement started fresh with its data in a temporary folder: configs/shop/monolith.json,
//    step5.json (seven nodes) and events-nats.json (step 5 with the events in a nats-server -js
//    this program starts). Figures: requests/s, p50, p99.
// 2. Events: a ping published on node a, answered by a pong published on node b, timed on a's
//    clock, over the "cluster" transport and over NATS: the round trip one at a time (p50, p99)
//    and round trips per second with every ping published at once.
// A placement that cannot start, or answers other than 201, is an error on stderr and exit code 1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/quiet.hpp"
#include "bench/common/report.hpp"
#include "bench/common/wrk.hpp"
#include "bench/shop/events_app.hpp"
#include "runtime/core/error.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using cleave_test::process;
using cleave_test::temp_dir;

struct options {
  bool quick = false;
  std::string bin_dir;
  std::string source_dir;
};

// -- a small HTTP client: one request per connection -------------------------------------------

struct reply {
  int status = 0;
  std::string body;
};

reply http(uint16_t port, const std::string& method, const std::string& path,
           const std::string& body = {}) {
  reply out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty())
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return out;
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  std::smatch m;
  if (std::regex_search(text, m, std::regex{R"(^HTTP/1\.1 (\d+))"})) out.status = std::stoi(m[1]);
  auto at = text.find("\r\n\r\n");
  if (at != std::string::npos) out.body = text.substr(at + 4);
  return out;
}

std::string id_in(const std::string& body) {
  std::smatch m;
  return std::regex_search(body, m, std::regex{R"re("id":"([^"]+)")re"}) ? std::string{m[1]} : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A nats-server -js on a free port with its store in `dir`, or nullptr and an error.
std::unique_ptr<process> start_nats(const temp_dir& dir, uint16_t port) {
  auto p = std::make_unique<process>(
      std::vector<std::string>{"nats-server", "-js", "-sd", dir.path() + "/nats", "-a", "127.0.0.1",
                               "-p", std::to_string(port)});
  if (!p->wait_accepting(port, clock_type::now() + 20s)) return nullptr;
  return p;
}

// -- 1. Shop under load ------------------------------------------------------------------------

struct shop_variant {
  std::string name;
  std::string file;
  std::vector<std::string> nodes;
  bool nats = false;
};

bool run_shop(const options& o, const shop_variant& v) {
  temp_dir dir;
  auto file = dir.write(v.file, read_file(o.source_dir + "/configs/shop/" + v.file));
  ::setenv("DATA_DIR", (dir.path() + "/data").c_str(), 1);
  std::unique_ptr<process> nats;
  if (v.nats) {
    auto port = cleave_test::free_port();
    nats = start_nats(dir, port);
    if (!nats) {
      std::cerr << "B12 " << v.name << ": nats-server did not start\n";
      return false;
    }
    ::setenv("NATS_URL", ("nats://127.0.0.1:" + std::to_string(port)).c_str(), 1);
  }
  auto http_port = cleave_test::free_port();
  auto ports = cleave_test::free_ports(v.nodes.size());
  std::vector<std::string> sets{
      "components.gateway.config.listen=127.0.0.1:" + std::to_string(http_port),
      "components.gateway.config.request_log.enabled=false"};
  if (v.nodes.size() > 1)
    for (size_t i = 0; i < v.nodes.size(); ++i)
      sets.push_back("nodes." + v.nodes[i] + ".port=" + std::to_string(ports[i]));
  std::vector<std::unique_ptr<process>> nodes;
  for (const auto& n : v.nodes) {
    std::vector<std::string> argv{o.bin_dir + "/shop", "--placement", file, "--node", n};
    for (const auto& s : sets) argv.insert(argv.end(), {"--set", s});
    nodes.push_back(std::make_unique<process>(cleave_bench::quiet(argv)));
  }
  auto ready_by = clock_type::now() + 30s;
  while (http(http_port, "GET", "/readyz").status != 200 && clock_type::now() < ready_by)
    std::this_thread::sleep_for(20ms);  // a poll interval
  auto user = http(http_port, "POST", "/users", R"({"name":"Ann","email":"ann@example.org"})");
  auto product = http(http_port, "POST", "/products",
                      R"({"name":"tea","price_cents":350,"stock":1000000000})");
  if (user.status != 201 || product.status != 201) {
    std::cerr << "B12 " << v.name << ": the shop did not start (" << user.status << " " << user.body
              << ")\n";
    return false;
  }
  auto script =
      dir.write("order.lua", "wrk.method = \"POST\"\nwrk.body = '{\"user_id\":\"" +
                                 id_in(user.body) + "\",\"product_id\":\"" + id_in(product.body) +
                                 "\",\"quantity\":1}'\n"
                                 "wrk.headers[\"Content-Type\"] = \"application/json\"\n");
  process load{{"wrk", "-t2", "-c16", o.quick ? "-d2s" : "-d10s", "--latency", "-s", script,
                "http://127.0.0.1:" + std::to_string(http_port) + "/orders"}};
  auto code = load.wait(60s);
  auto figures = cleave_bench::parse_wrk(load.output());
  for (auto& n : nodes) n->signal(SIGTERM);
  for (auto& n : nodes) n->wait(10s);
  if (!code || *code != 0 || !figures) {
    std::cerr << "B12 " << v.name << ": wrk failed\n" << load.report();
    return false;
  }
  cleave_bench::report("B12", "rps_per_s", v.name, figures->requests_per_s);
  cleave_bench::report("B12", "p50_us", v.name, figures->p50_us);
  cleave_bench::report("B12", "p99_us", v.name, figures->p99_us);
  std::cerr << "  B12 " << v.name << ": " << figures->requests_per_s << " orders/s, p50 "
            << figures->p50_us << " us, p99 " << figures->p99_us << " us\n";
  if (figures->not_2xx > 0) {
    std::cerr << "B12 " << v.name << ": " << figures->not_2xx << " answers were not 201\n";
    return false;
  }
  return true;
}

// -- 2. Events: ping-pong over the cluster and over NATS ------------------------------------------

std::string events_placement(uint16_t a, uint16_t b, const std::string& nats_url) {
  std::string topics;
  if (!nats_url.empty())
    topics = R"(, "topics": {"ping": {"transport": "nats", "url": ")" + nats_url +
             R"("}, "pong": {"transport": "nats", "url": ")" + nats_url + R"("}})";
  return R"({"app": "bench-events", "defaults": {"timeout_ms": 10000},
    "nodes": {"a": {"host": "127.0.0.1", "port": )" +
         std::to_string(a) + R"(}, "b": {"host": "127.0.0.1", "port": )" + std::to_string(b) +
         R"(}},
    "components": {"source": {"node": "a"}, "sink": {"node": "a"}, "echoer": {"node": "b"}})" +
         topics + "}";
}

/// Waits until the pong of `seq` arrived; its arrival (time_point{} if not within 10 s).
clock_type::time_point await_pong(int64_t seq) {
  auto deadline = clock_type::now() + 10s;
  for (;;) {
    auto at = bench_events::pong_arrival(seq);
    if (at != clock_type::time_point{} || clock_type::now() > deadline) return at;
    std::this_thread::yield();
  }
}

bool run_events(const options& o, const std::string& variant) {
  temp_dir dir;
  std::unique_ptr<process> nats;
  std::string url;
  if (variant == "nats") {
    auto port = cleave_test::free_port();
    nats = start_nats(dir, port);
    if (!nats) {
      std::cerr << "B12 events: nats-server did not start\n";
      return false;
    }
    url = "nats://127.0.0.1:" + std::to_string(port);
  }
  auto ports = cleave_test::free_ports(2);
  auto file = dir.write("events.json", events_placement(ports[0], ports[1], url));
  process b{cleave_bench::quiet(
      {o.bin_dir + "/cleave_bench_events_node", "--placement", file, "--node", "b"})};
  if (!b.wait_accepting(ports[1], clock_type::now() + 20s)) {
    std::cerr << "B12 events " << variant << ": node b did not start\n" << b.report();
    return false;
  }
  cleave::placement_options opts;
  opts.app = bench_events::app_name;
  auto plan = cleave::load_placement(file, opts);
  if (!plan) {
    std::cerr << cleave::describe(plan.error()) << "\n";
    return false;
  }
  cleave::test_node a{bench_events::app_components(), *plan, "a"};
  int64_t sequential = o.quick ? 200 : 2000;
  int64_t burst = o.quick ? 2000 : 20000;
  // Warm-up: connections made, streams and consumers there.
  bench_events::reset_sink(50);
  for (int64_t seq = 1; seq <= 50; ++seq) {
    (void)a.call("source", bench_events::emit{seq});
    if (await_pong(seq) == clock_type::time_point{}) {
      std::cerr << "B12 events " << variant << ": no pong for ping " << seq << "\n";
      return false;
    }
  }
  bench_events::reset_sink(sequential);
  std::vector<double> rtt_us;
  for (int64_t seq = 1; seq <= sequential; ++seq) {
    auto sent = clock_type::now();
    (void)a.call("source", bench_events::emit{seq});
    auto at = await_pong(seq);
    if (at == clock_type::time_point{}) {
      std::cerr << "B12 events " << variant << ": no pong for ping " << seq << "\n";
      return false;
    }
    rtt_us.push_back(std::chrono::duration<double, std::micro>(at - sent).count());
  }
  std::sort(rtt_us.begin(), rtt_us.end());
  auto at_rank = [&](double q) {
    return rtt_us[static_cast<size_t>(q * (rtt_us.size() - 1))];
  };
  bench_events::reset_sink(burst);
  auto started = clock_type::now();
  for (int64_t seq = 1; seq <= burst; ++seq) (void)a.call("source", bench_events::emit{seq});
  auto deadline = clock_type::now() + 120s;
  while (bench_events::pongs_seen() < burst && clock_type::now() < deadline)
    std::this_thread::sleep_for(1ms);  // a poll interval
  auto seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  if (bench_events::pongs_seen() < burst) {
    std::cerr << "B12 events " << variant << ": " << bench_events::pongs_seen() << " of " << burst
              << " pongs\n";
    return false;
  }
  cleave_bench::report("B12", "pingpong_p50_us", variant, at_rank(0.5));
  cleave_bench::report("B12", "pingpong_p99_us", variant, at_rank(0.99));
  cleave_bench::report("B12", "pingpongs_per_s", variant, static_cast<double>(burst) / seconds);
  std::cerr << "  B12 events " << variant << ": round trip p50 " << at_rank(0.5) << " us, p99 "
            << at_rank(0.99) << " us; " << static_cast<double>(burst) / seconds
            << " round trips/s\n";
  b.signal(SIGTERM);
  b.wait(10s);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.quick = cleave_bench::quick_mode(argc, argv);
  std::string self = argv[0];
  o.bin_dir = self.substr(0, self.rfind('/'));  // the shop and the events node are beside it
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string{argv[i]} == "--source") o.source_dir = argv[++i];
  if (o.source_dir.empty()) {
    std::cerr << "usage: cleave_bench_shop [--quick] --source DIR\n";
    return 2;
  }
  const std::vector<std::string> step5_nodes{"edge",       "main",       "orders-a",     "orders-b",
                                             "products-a", "products-b", "notifications"};
  const std::vector<shop_variant> variants{{"monolith", "monolith.json", {"main"}, false},
                                           {"step5", "step5.json", step5_nodes, false},
                                           {"events_nats", "events-nats.json", step5_nodes, true}};
  bool ok = true;
  for (const auto& v : variants) ok = run_shop(o, v) && ok;
  for (const char* v : {"cluster", "nats"}) ok = run_events(o, v) && ok;
  return ok ? 0 : 1;
}
