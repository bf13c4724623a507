// cleave_bench_chain (B5): a request through a chain of 4 steps (A calls B calls C calls D, each
// adding 1 to a counter next to a 16-byte payload), sequential requests, one JSON line per
// figure on stdout (bench/common/report.hpp):
//
//   monolith          the 4 cleave components in this process, an actor calling "chain-a"
//   http_chain        the 4 steps as 4 Poco HTTP/JSON services, a keep-alive Poco client
//   monolith_gateway  the cleave monolith as a process, the same client through its gateway
//   split             each cleave component in its own process, an actor on the caller node
//                     (mutual TLS between the nodes, the default)
//   split_plain       the same with plain connections ("security": {"insecure": true})
//
//   cleave_bench_chain [--quick] [--bin DIR] [--peers DIR] [--variant NAME]...
//
// --bin: where cleave_bench_chain_app and cleave_bench_chain_http_service are (default: this
// program's directory). --peers is accepted for the runner's sake; B5 uses no peer program.
// Exit code 1 if a variant failed or a child did not exit cleanly on SIGTERM.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench/chain/variants.hpp"
#include "bench/common/own_directory.hpp"
#include "bench/common/report.hpp"

namespace {

using chain_bench::run_context;
using chain_bench::variant_result;

struct variant {
  const char* name;
  variant_result (*run)(const run_context&);
};

const variant all_variants[] = {
    {"monolith", chain_bench::run_monolith},
    {"http_chain", chain_bench::run_http_chain},
    {"monolith_gateway", chain_bench::run_monolith_gateway},
    {"split", chain_bench::run_split},
    {"split_plain", chain_bench::run_split_plain},
};

int usage(const std::string& why) {
  std::fprintf(stderr,
               "cleave_bench_chain: %s\n"
               "usage: cleave_bench_chain [--quick] [--bin DIR] [--peers DIR] [--variant NAME]...\n"
               "variants: monolith, http_chain, monolith_gateway, split, split_plain\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  run_context ctx;
  ctx.bin_dir = cleave_bench::own_directory(argv[0]);
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") continue;
    if ((arg == "--bin" || arg == "--peers" || arg == "--variant") && i + 1 < argc) {
      std::string value = argv[++i];
      if (arg == "--bin") ctx.bin_dir = value;
      if (arg == "--variant") only.push_back(value);
      continue;
    }
    return usage("unknown argument " + arg);
  }
  for (const auto& name : only) {
    bool known = false;
    for (const auto& v : all_variants) known = known || name == v.name;
    if (!known) return usage("unknown variant " + name);
  }
  if (cleave_bench::quick_mode(argc, argv)) {
    ctx.plan.warmup = 100;
    ctx.plan.max_samples = 1000;
    ctx.plan.budget = std::chrono::milliseconds(1500);
  } else {
    ctx.plan.warmup = 500;
    ctx.plan.max_samples = 20000;
    ctx.plan.budget = std::chrono::seconds(8);
  }

  int exit_code = 0;
  for (const auto& v : all_variants) {
    if (!only.empty() && std::find(only.begin(), only.end(), v.name) == only.end()) continue;
    try {
      auto r = v.run(ctx);
      std::fprintf(stderr, "B5 %s: %zu requests, p50 %.1f us, p99 %.1f us\n", v.name,
                   r.latency.samples, r.latency.p50_us, r.latency.p99_us);
      cleave_bench::report("B5", "p50_us", v.name, r.latency.p50_us);
      cleave_bench::report("B5", "p99_us", v.name, r.latency.p99_us);
      if (!r.stop_problems.empty()) {
        std::fprintf(stderr, "B5 %s: a child did not stop cleanly:\n%s", v.name,
                     r.stop_problems.c_str());
        exit_code = 1;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "B5 %s failed: %s\n", v.name, e.what());
      exit_code = 1;
    }
  }
  return exit_code;
}
