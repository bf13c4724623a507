// B5's chain: four components, "chain-a" calls "chain-b" calls "chain-c" calls "chain-d", which
// answers. Each increments the request's counter and answers its caller only when the next one
// has answered, as the hand-split HTTP services of http_service.cpp do.
//
//   cleave::test_node n{chain_bench::chain_components()};
//   auto r = n.call("chain-a", chain_bench::chain_step{"0123456789abcdef", 0});   // counter 4
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace chain_bench {

/// What the last component answers, passed back up the chain.
struct chain_result {
  std::string payload;
  int64_t counter = 0;
};
CLEAVE_MESSAGE(chain_result, payload, counter)

/// One step of the chain: the payload travels unchanged, each component adds 1 to `counter`.
struct chain_step {
  std::string payload;
  int64_t counter = 0;
  using response = chain_result;
};
CLEAVE_MESSAGE(chain_step, payload, counter)

/// The 16-byte payload every request carries.
inline const std::string payload16 = "0123456789abcdef";

/// The components in call order: "chain-a", "chain-b", "chain-c", "chain-d".
const std::vector<std::string>& chain_names();

/// The four chain components.
std::vector<cleave::component> chain_components();

/// Everything the app cleave_bench_chain_app runs: the chain plus a gateway serving
/// `POST /chain` -> "chain-a" (every node of the app, and a caller node of its placements, needs
/// the full list).
std::vector<cleave::component> app_components();

/// The app's name, as placements must say it.
inline const std::string app_name = "cleave_bench_chain";

}  // namespace chain_bench
