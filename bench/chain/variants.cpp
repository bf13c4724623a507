#include "bench/chain/variants.hpp"

#include <chrono>
#include <map>
#include <stdexcept>
#include <vector>

#include "bench/chain/actor_loop.hpp"
#include "bench/chain/chain_components.hpp"
#include "bench/chain/children.hpp"
#include "bench/chain/http_loop.hpp"
#include "bench/chain/placements.hpp"
#include "runtime/core/error.hpp"
#include "runtime/testkit/test_node.hpp"

namespace chain_bench {

namespace {

using namespace std::chrono_literals;

/// Bounds a child's start (a node listens within milliseconds) and its stop (a node's own
/// shutdown watchdog allows 30 s, but a clean stop takes milliseconds).
constexpr auto start_deadline = 10s;
constexpr auto stop_deadline = 10s;

/// What a node says once it accepts peers, and what a gateway says once it serves.
constexpr std::string_view node_listening = R"("msg":"listening")";
constexpr std::string_view gateway_listening = R"("msg":"gateway listening")";

std::string address(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

cleave::placement parse_or_throw(const std::string& text, const std::string& origin,
                                 bool with_gateway) {
  auto plan = parse(text, origin, with_gateway);
  if (!plan) throw std::runtime_error(cleave::describe(plan.error()));
  return std::move(*plan);
}

std::vector<double> actor_loop_or_throw(caf::actor_system& sys, const loop_plan& plan) {
  auto samples = run_actor_loop(sys, chain_names().front(), plan);
  if (!samples) throw std::runtime_error("chain-a: " + cleave::describe(samples.error()));
  return std::move(*samples);
}

}  // namespace

variant_result run_monolith(const run_context& ctx) {
  auto plan = parse_or_throw(chain_only_placement(), "<monolith>", false);
  cleave::test_node node{chain_components(), plan, "main"};
  return {summarize(actor_loop_or_throw(node.system(), ctx.plan)), ""};
}

variant_result run_http_chain(const run_context& ctx) {
  auto ports = cleave_test::free_ports(4);
  children services;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    std::vector<std::string> argv{ctx.bin_dir + "/cleave_bench_chain_http_service", "--listen",
                                  address(ports[i])};
    if (i + 1 < ports.size()) argv.insert(argv.end(), {"--next", address(ports[i + 1])});
    services.start(std::move(argv));
  }
  services.wait_ready(node_listening, start_deadline);
  auto samples = run_http_loop(ports[0], "/step", ctx.plan);
  return {summarize(std::move(samples)), services.stop(stop_deadline)};
}

variant_result run_monolith_gateway(const run_context& ctx) {
  temp_dir dir;
  auto http_port = cleave_test::free_port();
  auto file = dir.write("monolith.json", monolith_placement(http_port));
  children node;
  node.start({ctx.bin_dir + "/cleave_bench_chain_app", "--placement", file});
  node.wait_ready(gateway_listening, start_deadline);
  auto samples = run_http_loop(http_port, "/chain", ctx.plan);
  return {summarize(std::move(samples)), node.stop(stop_deadline)};
}

namespace {

variant_result run_split_nodes(const run_context& ctx, bool insecure) {
  temp_dir dir;
  std::map<std::string, uint16_t> ports;
  auto picked = cleave_test::free_ports(5);
  size_t next = 0;
  for (const char* n : {"caller", "a", "b", "c", "d"}) ports[n] = picked[next++];
  auto text = split_placement(ports, insecure);
  auto file = dir.write("split.json", text);
  children nodes;
  for (const char* n : {"a", "b", "c", "d"})
    nodes.start({ctx.bin_dir + "/cleave_bench_chain_app", "--placement", file, "--node", n});
  nodes.wait_ready(node_listening, start_deadline);
  std::vector<double> samples;
  {
    // Stopped before the other nodes, so that they do not see their caller vanish mid-call.
    cleave::test_node caller{app_components(), parse_or_throw(text, file, true), "caller"};
    samples = actor_loop_or_throw(caller.system(), ctx.plan);
  }
  return {summarize(std::move(samples)), nodes.stop(stop_deadline)};
}

}  // namespace

variant_result run_split(const run_context& ctx) {
  return run_split_nodes(ctx, false);
}

variant_result run_split_plain(const run_context& ctx) {
  return run_split_nodes(ctx, true);
}

}  // namespace chain_bench
