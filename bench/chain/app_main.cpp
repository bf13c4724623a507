// cleave_bench_chain_app: the B5 chain as a cleave app, placed as the placement says (the
// benchmark driver writes its placements at run time):
//   cleave_bench_chain_app --placement FILE [--node NAME] [--set PATH=VALUE]...
#include "bench/chain/chain_components.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::app app{chain_bench::app_name};
  for (auto& c : chain_bench::app_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
