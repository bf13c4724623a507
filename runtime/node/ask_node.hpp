// Asking a node itself (not one of its components) over the node network: the status probe, or a
// component lookup. Used by `cleave status` and by tests.
//
//   auto status = cleave::ask_node(sys, "127.0.0.1", 7101, cleave::protocol::get_node_status{},
//                                  std::chrono::seconds(1));
//
// `sys` must be able to speak to nodes: a node's actor system with more than one node in its
// placement, or one configured with transport::configure and the protocol's types.
#pragma once

#include <chrono>
#include <set>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave {

/// Sends `req` to the gatekeeper of the node at `host`:`port` and waits for the answer; connecting
/// and answering each take at most `timeout`.
template <class Req>
caf::expected<response_t<Req>> ask_node(caf::actor_system& sys, const std::string& host,
                                        uint16_t port, Req req, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  caf::expected<response_t<Req>> out{caf::error{}};
  transport::connect(self.ptr(), host, port, timeout)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& gatekeeper,
              const std::set<std::string>&) {
            if (!gatekeeper) {
              out = make_error(errc::unavailable, "no cleave node listens there");
              return;
            }
            self->request(caf::actor_cast<caf::actor>(gatekeeper), timeout, std::move(req))
                .receive([&](response_t<Req>& answer) { out = std::move(answer); },
                         [&](caf::error& err) { out = std::move(err); });
          },
          [&](caf::error& err) { out = std::move(err); });
  return out;
}

}  // namespace cleave
