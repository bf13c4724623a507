#include "bench/runner/http_bench.hpp"

#include <chrono>
#include <csignal>
#include <iostream>
#include <regex>

#include "bench/common/quiet.hpp"
#include "bench/common/wrk.hpp"
#include "runtime/testkit/detail/process.hpp"

namespace cleave_bench {

namespace {

using namespace std::chrono_literals;
using cleave_test::process;

constexpr auto ready_deadline = 10s;

struct server_variant {
  std::string variant;
  std::string path;  // what wrk loads
  bool post_add;     // POST /add {"v":1} (else GET)
  std::vector<std::string> (*argv)(const environment&, uint16_t);
};

std::vector<std::string> cleave_counter(const environment& env, uint16_t port) {
  return {env.bin_dir + "/counter",
          "--placement",
          env.source_dir + "/configs/counter/monolith.json",
          "--set",
          "components.gateway.config.listen=127.0.0.1:" + std::to_string(port),
          "--set",
          "components.gateway.config.rate_limit.rate=1000000000",
          "--set",
          "components.gateway.config.rate_limit.burst=1000000000"};
}

std::vector<std::string> gokit_counter(const environment& env, uint16_t port) {
  return {env.peers_dir + "/gokit-counter", "-listen", "127.0.0.1:" + std::to_string(port)};
}

std::vector<std::string> poco_bare(const environment& env, uint16_t port) {
  return {env.peers_dir + "/poco_server", "--port", std::to_string(port)};
}

std::vector<std::string> go_nethttp(const environment& env, uint16_t port) {
  return {env.peers_dir + "/nethttp-baseline", "-listen", "127.0.0.1:" + std::to_string(port)};
}

void run_wrk(environment& env, results& r, const server_variant& v) {
  auto port = cleave_test::free_port();
  process server{quiet(v.argv(env, port))};
  if (!server.wait_accepting(port, std::chrono::steady_clock::now() + ready_deadline)) {
    env.errors.push_back("B6 " + v.variant + ": the server did not start\n" + server.report());
    return;
  }
  std::vector<std::string> wrk{"wrk", "-t2", "-c64", env.quick ? "-d2s" : "-d10s", "--latency"};
  if (v.post_add) {
    wrk.push_back("-s");
    wrk.push_back(env.source_dir + "/bench/runner/post_add.lua");
  }
  wrk.push_back("http://127.0.0.1:" + std::to_string(port) + v.path);
  process load{wrk};
  auto code = load.wait(60s);
  auto figures = parse_wrk(load.output());
  if (!code || *code != 0 || !figures) {
    env.errors.push_back("B6 " + v.variant + ": wrk failed\n" + load.report());
    return;
  }
  if (figures->not_2xx > 0)
    env.errors.push_back("B6 " + v.variant + ": " +
                         std::to_string(static_cast<long>(figures->not_2xx)) +
                         " answers were not 2xx");
  r.add({"B6", "rps_per_s", v.variant}, figures->requests_per_s);
  r.add({"B6", "p50_us", v.variant}, figures->p50_us);
  r.add({"B6", "p99_us", v.variant}, figures->p99_us);
  std::cerr << "  B6 " << v.variant << ": " << figures->requests_per_s << " req/s, p50 "
            << figures->p50_us << " us, p99 " << figures->p99_us << " us" << std::endl;
  server.signal(SIGTERM);
  server.wait(10s);
}

}  // namespace

void run_http_throughput(environment& env, results& r) {
  const std::vector<server_variant> variants{
      {"cleave", "/add", true, cleave_counter},
      {"gokit", "/add", true, gokit_counter},
      {"poco_bare", "/json", false, poco_bare},
      {"go_nethttp", "/json", false, go_nethttp},
  };
  // Interleaved, so that a noisy neighbour spreads over every variant alike.
  for (int rep = 0; rep < env.repetitions; ++rep)
    for (const auto& v : variants)
      if (v.variant == "cleave" || !env.peers_dir.empty()) run_wrk(env, r, v);
}

void run_cold_start(environment& env, results& r) {
  struct variant {
    std::string name;
    std::string path;
    std::vector<std::string> (*argv)(const environment&, uint16_t);
  };
  const std::vector<variant> variants{{"cleave", "/healthz", cleave_counter},
                                      {"gokit", "/debug/vars", gokit_counter}};
  for (int rep = 0; rep < env.repetitions; ++rep)
    for (const auto& v : variants) {
      auto port = cleave_test::free_port();
      std::vector<std::string> argv{env.peers_dir + "/coldstart",
                                    "-idle",
                                    env.quick ? "200ms" : "1s",
                                    "-url",
                                    "http://127.0.0.1:" + std::to_string(port) + v.path,
                                    "--"};
      auto server = v.argv(env, port);
      argv.insert(argv.end(), server.begin(), server.end());
      process p{argv};
      auto code = p.wait(30s);
      const auto& out = p.output();
      auto ready = find_number(out, std::regex{R"(ready_ms=([0-9.]+))"});
      auto rss = find_number(out, std::regex{R"(rss_idle_kb=([0-9]+))"});
      if (!code || *code != 0 || ready < 0 || rss < 0) {
        env.errors.push_back("B7 " + v.name + ": coldstart failed\n" + p.report());
        continue;
      }
      r.add({"B7", "start_ms", v.name}, ready);
      r.add({"B7", "idle_rss_bytes", v.name}, rss * 1024);
      std::cerr << "  B7 " << v.name << ": first 200 after " << ready << " ms, idle RSS " << rss
                << " kB" << std::endl;
    }
}

}  // namespace cleave_bench
