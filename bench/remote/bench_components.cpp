#include "bench/remote/bench_components.hpp"

#include <memory>
#include <stdexcept>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/remote/tcp_pingpong.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace bench_remote {

namespace {

caf::behavior echo_impl(caf::event_based_actor*, const cleave::component_context&) {
  return cleave::handlers([](const echo_request& req) { return answer(req); });
}

/// The raw CAF reference: a plain behaviour, no cleave handler wrapping, no directory.
caf::behavior raw_echo_impl(caf::event_based_actor*) {
  return {[](const echo_request& req) {
    return answer(req);
  }};
}

struct raw_state {
  raw_ports ports;
};

caf::behavior raw_impl(caf::stateful_actor<raw_state>* self, const cleave::component_context& ctx) {
  auto config = ctx.config_as<raw_config>();
  if (!config) throw std::runtime_error(cleave::describe(config.error()));
  auto in_range = [](int64_t p) {
    return p >= 0 && p <= 65535;
  };
  if (!in_range(config->caf_port) || !in_range(config->tcp_port))
    throw std::runtime_error("caf_port and tcp_port must be 0..65535");
  auto tcp = std::make_shared<tcp_pingpong_server>(static_cast<uint16_t>(config->tcp_port));
  auto& sys = self->system();
  auto raw = sys.spawn(raw_echo_impl);
  auto published =
      sys.middleman().publish(raw, static_cast<uint16_t>(config->caf_port), "127.0.0.1", true);
  if (!published) {
    caf::anon_send_exit(raw, caf::exit_reason::user_shutdown);
    throw std::runtime_error("cannot publish the raw CAF echo actor: " +
                             cleave::describe(published.error()));
  }
  self->state.ports = raw_ports{*published, tcp->port()};
  // CAF 0.17 never finishes shutting down while a published actor lives, so the raw actor ends
  // with this component (the node sends every component an exit on stop); the ping-pong thread
  // is stopped and joined here too.
  self->attach_functor([&sys, raw, port = *published, tcp](const caf::error&) mutable {
    caf::anon_send(sys.middleman().actor_handle(), caf::unpublish_atom::value, raw.address(), port);
    caf::anon_send_exit(raw, caf::exit_reason::user_shutdown);
    tcp.reset();
  });
  return cleave::handlers([self](const get_raw_ports&) { return self->state.ports; });
}

}  // namespace

cleave::component echo_component() {
  return cleave::component::make<echo_request>("echo", echo_impl);
}

cleave::component raw_component() {
  return cleave::component::make<get_raw_ports>("raw", raw_impl);
}

std::vector<cleave::component> app_components() {
  return {echo_component(), raw_component()};
}

}  // namespace bench_remote
