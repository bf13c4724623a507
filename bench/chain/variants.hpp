// B5's four variants, each measured by one function: set up, drive sequential requests through
// the 4-step chain, tear down. Each throws std::runtime_error if it cannot run.
#pragma once

#include <string>

#include "bench/chain/latency.hpp"

namespace chain_bench {

struct run_context {
  /// Where cleave_bench_chain_app and cleave_bench_chain_http_service are.
  std::string bin_dir;
  loop_plan plan;
};

struct variant_result {
  latency_summary latency;
  /// Children that did not exit 0 on SIGTERM ("" if all did).
  std::string stop_problems;
};

/// The 4 components in this process (cleave::test_node), driven by an actor.
variant_result run_monolith(const run_context& ctx);

/// The 4 steps as 4 Poco HTTP/JSON services (processes), driven by a keep-alive Poco client.
variant_result run_http_chain(const run_context& ctx);

/// The app's monolith placement as a child process, driven through its gateway by the same client.
variant_result run_monolith_gateway(const run_context& ctx);

/// One node (process) per component, driven by an actor on the placement's caller node, run in
/// this process.
variant_result run_split(const run_context& ctx);

/// The split with plain connections between the nodes ("security.insecure"): what TLS costs.
variant_result run_split_plain(const run_context& ctx);

}  // namespace chain_bench
