// The app's full component list: the chain and its gateway.
#include "bench/chain/chain_components.hpp"
#include "runtime/gateway/gateway.hpp"

namespace chain_bench {

std::vector<cleave::component> app_components() {
  cleave::routes routes;
  routes.add<chain_step>("POST", "/chain", "chain-a");
  auto components = chain_components();
  components.push_back(cleave::gateway_component(std::move(routes)));
  return components;
}

}  // namespace chain_bench
