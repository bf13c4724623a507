// Blocking calls from threads that are not actors: drivers, tests, HTTP server threads.
//
//   cleave::client c{sys};
//   caf::expected<thingey> t = c.call("thingey-repo", get_thingey{"d1"});
//   if (!t) std::cerr << cleave::describe(t.error());
//
// Same semantics as cleave::call (runtime/component/call.hpp): never waits past the deadline.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/component/call.hpp"

namespace cleave {

/// Makes blocking calls into the components of one node. Cheap to create; one per thread.
class client {
 public:
  explicit client(caf::actor_system& sys) : sys_(&sys) {}

  /// Calls `component` with `req` and waits for the reply or the deadline.
  template <class Req>
  caf::expected<response_t<Req>> call(std::string component, Req req,
                                      std::optional<caf::timespan> timeout = std::nullopt) {
    caf::scoped_actor self{*sys_};
    using response = response_t<Req>;
    if constexpr (std::is_void_v<response>) {
      caf::expected<void> out;
      cleave::call(self.ptr(), std::move(component), std::move(req), timeout)
          .receive([&] {}, [&](caf::error err) { out = std::move(err); });
      return out;
    } else {
      caf::expected<response> out{caf::error{}};
      cleave::call(self.ptr(), std::move(component), std::move(req), timeout)
          .receive([&](response& x) { out = std::move(x); },
                   [&](caf::error err) { out = std::move(err); });
      return out;
    }
  }

  /// The actor system the calls go through.
  caf::actor_system& system() { return *sys_; }

 private:
  caf::actor_system* sys_;
};

}  // namespace cleave
