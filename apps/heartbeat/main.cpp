// Heartbeat: a web front and a background ticker in one binary (or on two nodes).
//   GET /ping -> {"payload":"PONG"}   GET /beats -> {"payload":N}   PUT /interval {"ms":N}
#include "actors/heartbeat/heartbeat.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::routes routes;
  routes.add<heartbeat::ping>("GET", "/ping", "ticker");
  routes.add<heartbeat::get_beats>("GET", "/beats", "ticker");
  routes.add<heartbeat::set_interval>("PUT", "/interval", "ticker");
  return cleave::app{"heartbeat"}
      .add(heartbeat::ticker_component())
      .add(cleave::gateway_component(std::move(routes)))
      .main(argc, argv);
}
