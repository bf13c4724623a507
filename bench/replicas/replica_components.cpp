#include "bench/replicas/replica_components.hpp"

#include <caf/event_based_actor.hpp>

#include "bench/remote/bench_components.hpp"
#include "runtime/component/handlers.hpp"

namespace bench_replicas {

namespace {

caf::behavior echo_impl(caf::event_based_actor*, const cleave::component_context&) {
  return cleave::handlers(
      [](const bench_remote::echo_request& req) { return bench_remote::answer(req); },
      [](const bench_remote::echo_idempotent_request& req) { return bench_remote::answer(req); });
}

cleave::component echo(const std::string& name) {
  return cleave::component::make<bench_remote::echo_request, bench_remote::echo_idempotent_request>(
      name, echo_impl);
}

}  // namespace

std::vector<std::string> app_component_names() {
  return {names::local,
          names::local_round_robin,
          names::local_least_outstanding,
          names::single,
          names::single_r2,
          names::round_robin,
          names::least_outstanding,
          names::round_robin_one_up};
}

std::vector<cleave::component> app_components() {
  std::vector<cleave::component> out;
  for (const auto& name : app_component_names()) out.push_back(echo(name));
  return out;
}

}  // namespace bench_replicas
