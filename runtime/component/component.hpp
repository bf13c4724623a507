// Components: CAF actors registered under a string name, placed on nodes by the placement file.
//
// A component is defined in one header/source pair. The header declares its messages
// (runtime/core/message.hpp) and a function returning its definition; the source implements the
// behaviour and registers it under its name in one line:
//
//   caf::behavior store(caf::stateful_actor<store_state>* self, const cleave::component_context&) {
//     return cleave::handlers([=](const store_get& req) -> caf::result<thingey> { ... }, ...);
//   }
//   cleave::component store_component() {
//     return cleave::component::make<store_get, store_put>("thingey-store", store);
//   }
//
// The template arguments list the messages the component accepts, so that every node knows how to
// encode them (and their responses) when the component is placed elsewhere. A component whose
// handlers take a message the list leaves out fails its node's start, naming component and type.
//
// A driver is a component that runs a scenario and then ends: a function run on its node's main
// thread that calls other components through a blocking client. A node hosting a driver exits when
// its drivers finish; see runtime/node/app.hpp.
#pragma once

#include <algorithm>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/component/context.hpp"
#include "runtime/component/detail/call_edges.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/event_decoder.hpp"
#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/detail/type_registry.hpp"

namespace cleave {

class client;

/// A component instance being started: its handle, and whether its init succeeded.
struct started_component {
  caf::actor handle;
  /// Becomes ready once the init function returned (none) or threw (the error).
  std::future<caf::error> started;
};

/// The definition of a component: its name, its messages and how to start an instance.
class component {
 public:
  /// Defines component `name` accepting `Messages`; `init(self, context)` returns the behaviour
  /// of an instance, where `self` is `caf::event_based_actor*` or `caf::stateful_actor<State>*`.
  /// An init that throws (e.g. on a bad config) fails the node's start with its message.
  template <class... Messages, class Init>
  static component make(std::string name, Init init) {
    using self_pointer =
        caf::detail::tl_head_t<typename caf::detail::get_callable_trait<Init>::arg_types>;
    component c;
    c.name_ = std::move(name);
    c.register_types_ = [](detail::type_registry& types) {
      (types.add<Messages>(), ...);
    };
    c.spawn_ = [init](caf::actor_system& sys, const component_context& ctx,
                      std::shared_ptr<detail::component_stats> stats) {
      auto done = std::make_shared<std::promise<caf::error>>();
      started_component out{{}, done->get_future()};
      // Guarded: exit messages and link requests from peers do nothing (guarded_actor.hpp).
      using actor_type = std::remove_pointer_t<self_pointer>;
      out.handle = detail::spawn_guarded<actor_type>(
          sys, [init, ctx, done, stats](self_pointer self) -> caf::behavior {
            // CAF 0.17 terminates an actor that receives an error it did not ask for (e.g. a peer's
            // answer to a one-way message); a component logs it and lives on.
            self->set_error_handler([name = ctx.name(), node = ctx.node()](caf::error& err) {
              detail::log_stray_error(node, name, err);
            });
            // A message no handler takes: the caller of a request learns it (unexpected_message);
            // a one-way message is dropped; both are logged as JSON, not printed raw by CAF.
            self->set_default_handler([name = ctx.name(), node = ctx.node()](
                                          caf::scheduled_actor* actor,
                                          caf::message_view& msg) -> caf::result<caf::message> {
              return detail::unhandled_message(actor, node, name, msg);
            });
            try {
              detail::init_stats_scope scope{stats, self};
              // Calls the init function makes come from the component.
              detail::caller_scope as{detail::intern_component_name(ctx.name())};
              auto behavior = init(self, ctx);
              if (auto missing =
                      stats ? detail::unlisted_message(*stats, {typeid(Messages)...}) : nullptr) {
                auto err = make_error(
                    errc::internal,
                    ctx.name() + " failed to start: its handlers take " + missing +
                        ", which its component::make<...> list does not name; list every "
                        "message the component handles, so that every node can encode it");
                done->set_value(err);
                self->quit(err);
                return {};
              }
              done->set_value(caf::none);
              return behavior;
            } catch (const std::exception& e) {
              auto err = make_error(errc::internal, ctx.name() + " failed to start: " + e.what());
              done->set_value(err);
              self->quit(err);
              return {};
            }
          });
      return out;
    };
    return c;
  }

  /// A driver: `run(client, context)` runs a scenario on the node's main thread and returns an
  /// error if it failed.
  using driver_function = std::function<caf::error(client&, const component_context&)>;
  static component driver(std::string name, driver_function run) {
    component c;
    c.name_ = std::move(name);
    c.register_types_ = [](detail::type_registry&) {
    };
    c.run_ = std::move(run);
    return c;
  }

  /// The name the component is registered and placed under.
  const std::string& name() const { return name_; }

  /// True for drivers.
  bool is_driver() const { return static_cast<bool>(run_); }

  /// Marks an edge: a component that takes requests from outside (the HTTP gateway). On stop,
  /// a node stops its edges first and waits for them, so that requests they accepted can still
  /// reach the components behind them.
  component& edge() {
    edge_ = true;
    return *this;
  }

  bool is_edge() const { return edge_; }

  /// Declares the components this one calls by name. Its node's admin port (the placement's
  /// "admin") answers /readyz with 200 only while every component declared by the node's
  /// components can be reached. Declaring is optional: calls work by name either way.
  component& calls(std::vector<std::string> names) {
    for (auto& n : names)
      if (std::find(calls_.begin(), calls_.end(), n) == calls_.end())
        calls_.push_back(std::move(n));
    return *this;
  }
  /// The components declared with calls(), in declaration order.
  const std::vector<std::string>& called() const { return calls_; }

  /// Subscribes the component to `topic`: every event cleave::publish puts there
  /// (runtime/component/events.hpp) reaches one instance of it, wherever it runs, as a one-way
  /// message of type Event that one of its handlers must take (else its node does not start).
  template <class Event>
  component& subscribe(std::string topic) {
    static_assert(is_message_v<Event>, "events must be declared with CLEAVE_MESSAGE");
    subscriptions_.push_back(
        {std::move(topic), message_name<Event>(), typeid(Event), &detail::decode_event<Event>});
    register_types_ = [previous = register_types_](detail::type_registry& types) {
      previous(types);
      types.add<Event>();
    };
    return *this;
  }

  struct subscription {
    std::string topic;
    /// The event's message name, for errors.
    std::string event;
    std::type_index type;
    /// Makes the event's message from its JSON (events that crossed NATS, or an outbox).
    detail::event_decoder decode;
  };
  /// The topics subscribed with subscribe(), in declaration order.
  const std::vector<subscription>& subscriptions() const { return subscriptions_; }

  // -- used by nodes ---------------------------------------------------------------------------

  void register_types(detail::type_registry& types) const { register_types_(types); }

  /// Starts an actor instance (not for drivers) whose handlers count their calls in `stats`.
  started_component spawn(caf::actor_system& sys, const component_context& ctx,
                          std::shared_ptr<detail::component_stats> stats) const {
    return spawn_(sys, ctx, std::move(stats));
  }

  /// Runs a driver's scenario.
  caf::error run(client& c, const component_context& ctx) const { return run_(c, ctx); }

 private:
  component() = default;

  std::string name_;
  std::function<void(detail::type_registry&)> register_types_;
  std::function<started_component(caf::actor_system&, const component_context&,
                                  std::shared_ptr<detail::component_stats>)>
      spawn_;
  driver_function run_;
  bool edge_ = false;
  std::vector<std::string> calls_;
  std::vector<subscription> subscriptions_;
};

}  // namespace cleave
