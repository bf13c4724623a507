// cleave_fault_app: the test components behind a gateway, so that the fault suite can send a
// request through three hops: client -> gateway -> relay -> silent (which never answers).
#include "runtime/gateway/gateway.hpp"
#include "runtime/node/app.hpp"
#include "tests/runtime/component/test_components.hpp"

int main(int argc, char** argv) {
  cleave::routes routes;
  routes.add<component_test::relay>("POST", "/relay", "relay");
  return cleave::app{"cleave_fault_app"}
      .add(component_test::relay_component())
      .add(component_test::silent_component())
      .add(component_test::echo_component())
      .add(cleave::gateway_component(std::move(routes)))
      .main(argc, argv);
}
