// cleave_bench_events_node: the node of B12's event part that runs "echoer", started by
// cleave_bench_shop with the placement it writes:
//
//   cleave_bench_events_node --placement FILE --node b
#include "bench/shop/events_app.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::app app{bench_events::app_name};
  for (auto& c : bench_events::app_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
