// Counter: POST /add {"v":N} -> {"v":total}. The gateway and the counter share a node or not, as
// the placement says.
#include "actors/counter/counter.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::routes routes;
  routes.add<counter::add>("POST", "/add", "counter");
  return cleave::app{"counter"}
      .add(counter::counter_component())
      .add(cleave::gateway_component(std::move(routes)))
      .main(argc, argv);
}
