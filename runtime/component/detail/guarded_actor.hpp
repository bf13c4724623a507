// Actors a peer can reach (components, forwarders, a node's gatekeeper). CAF 0.17 lets any
// connected peer send them an exit message, which ends them (`kill` is trapped by no exit
// handler), and link or system requests. A guarded actor drops those unless they come from an
// actor of its own node; its node stops it with stop_actor, a message that cannot arrive over the
// network because it has no wire format.
//
//   auto a = cleave::detail::spawn_guarded<caf::event_based_actor>(sys, [](caf::event_based_actor*
//   self) { return caf::behavior{...}; });
//   caf::anon_send(a, cleave::detail::stop_actor{});      // as an exit with user_shutdown
#pragma once

#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/behavior.hpp>
#include <caf/execution_unit.hpp>
#include <caf/mailbox_element.hpp>

namespace cleave::detail {

/// Stops a guarded actor as an exit message with exit_reason::user_shutdown would.
struct stop_actor {};

/// True if `element` is a stream message (cleave uses none), or an exit message, or a link,
/// unlink or system request that does not come from an actor of node `here` (a null sender counts
/// as foreign: a peer can send anonymously).
bool refused_from_peers(const caf::mailbox_element& element, const caf::node_id& here);

/// Logs (at most 20 lines a second) that `actor` dropped such a message.
void log_refused_message(caf::actor_system& sys, const char* actor,
                         const caf::mailbox_element& element);

/// The exit message stop_actor stands for.
caf::mailbox_element_ptr stop_element();

template <class Base>
class guarded_actor final : public Base {
 public:
  // The behaviour comes from the config's init function, as for CAF's function-based actors (the
  // actor keeps no copy of it once started).
  explicit guarded_actor(caf::actor_config& cfg) : Base(cfg) {}

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override {
    if (what) {
      if (what->content().match_elements<stop_actor>()) {
        what = stop_element();
      } else if (refused_from_peers(*what, this->home_system().node())) {
        log_refused_message(this->home_system(), this->name(), *what);
        return;
      }
    }
    Base::enqueue(std::move(what), host);
  }
};

/// Spawns a guarded actor of type `Base` (caf::event_based_actor or a caf::stateful_actor) whose
/// behaviour `init(self)` returns.
template <class Base, class Init>
caf::actor spawn_guarded(caf::actor_system& sys, Init init) {
  caf::actor_config cfg;
  cfg.init_fun = caf::actor_config::init_fun_type{
      [init = std::move(init)](caf::local_actor* self) mutable -> caf::behavior {
        return init(static_cast<Base*>(self));
      }};
  return sys.spawn_class<guarded_actor<Base>, caf::no_spawn_options>(cfg);
}

}  // namespace cleave::detail

// Stays in its process: it must have no wire format (see above).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::stop_actor)
