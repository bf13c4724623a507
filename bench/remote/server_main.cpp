// cleave_bench_remote_server: the server node of the remote benchmark (bench_remote app), started
// by cleave_bench_remote with the placement it writes:
//
//   cleave_bench_remote_server --placement FILE --node server [--set PATH=VALUE]...
#include "bench/remote/bench_components.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::app app{bench_remote::app_name};
  for (auto& c : bench_remote::app_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
