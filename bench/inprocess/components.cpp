#include "bench/inprocess/components.hpp"

#include <memory>
#include <utility>

#include <caf/event_based_actor.hpp>

#include "bench/inprocess/messages.hpp"
#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/component/task.hpp"

namespace inproc {

namespace {

// Takes the request by mutable reference: CAF hands over the message it owns (copy-on-write only
// if shared), and the payload is moved into the reply.
echo_resp echo(echo_req& req) {
  return echo_resp{std::move(req.payload)};
}

}  // namespace

cleave::component echo_component() {
  return cleave::component::make<echo_req>(
      "echo", [](caf::event_based_actor*, const cleave::component_context&) {
        return cleave::handlers([](echo_req& req) { return echo(req); });
      });
}

caf::actor spawn_raw_echo(caf::actor_system& sys) {
  return sys.spawn([]() -> caf::behavior {
    return {[](echo_req& req) {
      return echo(req);
    }};
  });
}

namespace {

/// One call of a `.then` sequence: the next starts from the reply of the one before.
void next_call(caf::event_based_actor* self, std::shared_ptr<run_sequence> job, int32_t done,
               cleave::reply_handle<int32_t> reply) {
  if (done == job->calls) {
    reply.deliver(done);
    return;
  }
  cleave::call(self, "echo", echo_req{job->payload})
      .then([self, job, done, reply](const echo_resp&) { next_call(self, job, done + 1, reply); },
            [reply](const caf::error& err) { reply.deliver(err); });
}

}  // namespace

cleave::component sequence_then_component() {
  return cleave::component::make<run_sequence>(
      "seq-then", [](caf::event_based_actor* self, const cleave::component_context&) {
        return cleave::handlers([self](run_sequence& req) {
          auto reply = cleave::reply_later<int32_t>(self);
          next_call(self, std::make_shared<run_sequence>(std::move(req)), 0, reply);
          return reply;
        });
      });
}

cleave::component sequence_coroutine_component() {
  return cleave::component::make<run_sequence>(
      "seq-co", [](caf::event_based_actor* self, const cleave::component_context&) {
        return cleave::handlers([self](run_sequence req) -> cleave::task<int32_t> {
          int32_t done = 0;
          for (; done < req.calls; ++done) {
            echo_req call{req.payload};
            auto r = co_await cleave::call(self, "echo", std::move(call));
            if (!r) co_return r.error();
          }
          co_return done;
        });
      });
}

cleave::component idle_component(std::string name) {
  return cleave::component::make<idle_ping>(
      std::move(name), [](caf::event_based_actor*, const cleave::component_context&) {
        return cleave::handlers([](const idle_ping&) { return true; });
      });
}

}  // namespace inproc
