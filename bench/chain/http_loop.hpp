// The HTTP driver of the "http_chain" and "monolith_gateway" variants: one keep-alive Poco
// HTTPClientSession in the driver's thread posting {"payload":<16 bytes>,"counter":0} to the
// chain's entry, one request after the other, timing each from send to the parsed reply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/chain/latency.hpp"

namespace chain_bench {

/// Runs `plan` against `POST path` on 127.0.0.1:`port`; returns the latencies (µs) of the
/// recorded requests. Throws std::runtime_error on a failed request or a wrong answer.
std::vector<double> run_http_loop(uint16_t port, const std::string& path, const loop_plan& plan);

}  // namespace chain_bench
