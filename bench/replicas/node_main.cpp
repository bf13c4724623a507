// cleave_bench_replicas_node: a node of the replicas benchmark app (bench_replicas), started by
// cleave_bench_replicas with the placement it writes:
//
//   cleave_bench_replicas_node --placement FILE --node r1|r2 [--set PATH=VALUE]...
#include "bench/replicas/replica_components.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::app app{bench_replicas::app_name};
  for (auto& c : bench_replicas::app_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
