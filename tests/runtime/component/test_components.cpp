#include "tests/runtime/component/test_components.hpp"

#include <stdexcept>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/request_context.hpp"

namespace component_test {

namespace {

caf::behavior echo_impl(caf::event_based_actor* self, const cleave::component_context& ctx) {
  (void)self;
  return cleave::handlers(
      [by = ctx.name()](const echo& req) {
        return echoed{req.text, by};
      },
      [by = ctx.name()](const echo_idempotent& req) {
        return echoed{req.text, by};
      },
      [](const echo_tally&) { return tallied{1}; });
}

struct later_state {
  std::vector<cleave::reply_handle<echoed>> held;
};

struct fire {};
CLEAVE_MESSAGE(fire)

caf::behavior later_impl(caf::stateful_actor<later_state>* self, const cleave::component_context&) {
  return cleave::handlers(
      [=](const echo_later& req) {
        auto reply = cleave::reply_later<echoed>(self);
        self->state.held.push_back(reply);
        self->send(self, fire{});
        (void)req;
        return reply;
      },
      [=](fire) {
        for (auto& reply : self->state.held) reply.deliver(echoed{"later", "later"});
        self->state.held.clear();
      });
}

caf::behavior forwarder_impl(caf::event_based_actor* self, const cleave::component_context&) {
  return cleave::handlers(
      [=](const echo_elsewhere& req) {
        auto reply = cleave::reply_later<echoed>(self);
        cleave::send(self, "answerer", answer_for{reply, req.text});
        return reply;
      },
      [=](const echo_delegated& req) { return cleave::delegate(self, "echo", echo{req.text}); });
}

caf::behavior answerer_impl(caf::event_based_actor*, const cleave::component_context& ctx) {
  return cleave::handlers([by = ctx.name()](const answer_for& msg) {
    msg.reply.deliver(echoed{msg.text, by});
  });
}

caf::behavior relay_impl(caf::event_based_actor* self, const cleave::component_context&) {
  return cleave::handlers([=](const relay& req) {
    auto reply = cleave::reply_later<echoed>(self);
    std::optional<caf::timespan> timeout;
    if (req.timeout_ms > 0) timeout = std::chrono::milliseconds(req.timeout_ms);
    cleave::call(self, req.target, echo{req.text}, timeout)
        .then(
            [reply](const echoed& e) {
              reply.deliver(echoed{e.text, "relay<-" + e.by});
            },
            [reply](const caf::error& err) { reply.deliver(err); });
    return reply;
  });
}

caf::behavior failing_impl(caf::event_based_actor* self, const cleave::component_context&) {
  return cleave::handlers([self](const fail& req) -> caf::result<echoed> {
    if (req.mode == "error") return cleave::make_error(cleave::errc::not_found, "nothing here");
    if (req.mode == "app")
      return cleave::make_app_error(409, "out_of_stock", "only 2 of \"p1\" left");
    if (req.mode == "throw") throw std::runtime_error("boom");
    if (req.mode == "quit") {
      // A component that ends (a bug, a crash of its own): its node must stop saying ready.
      self->quit(cleave::make_error(cleave::errc::internal, "asked to quit"));
      return cleave::make_error(cleave::errc::internal, "quitting");
    }
    return echoed{"ok", "failing"};
  });
}

struct silent_state {
  std::vector<cleave::reply_handle<void>> held;
  std::vector<cleave::reply_handle<echoed>> later;
};

caf::behavior silent_impl(caf::stateful_actor<silent_state>* self,
                          const cleave::component_context& ctx) {
  auto config = ctx.config_as<silent_config>();
  if (!config) throw std::runtime_error(cleave::describe(config.error()));
  return cleave::handlers(
      [=](const never_answer&) {
        auto reply = cleave::reply_later<void>(self);
        self->state.held.push_back(reply);
        return reply;
      },
      [=](const echo&) {
        auto reply = cleave::reply_later<echoed>(self);
        self->state.later.push_back(reply);
        return reply;
      });
}

caf::behavior whoami_impl(caf::event_based_actor*, const cleave::component_context&) {
  return cleave::handlers([](const echo&) {
    return echoed{cleave::current_request().request_id, "whoami"};
  });
}

struct sequencer_state {
  sequencer_tally tally;
};

caf::behavior sequencer_impl(caf::stateful_actor<sequencer_state>* self,
                             const cleave::component_context&) {
  return cleave::handlers(
      [self](sequence req) -> cleave::task<echoed> {
        ++self->state.tally.started;
        std::string joined;
        std::string last;
        for (const auto& target : req.targets) {
          auto answer = co_await cleave::call(self, target, echo{req.text});
          if (!answer) {
            ++self->state.tally.finished;
            co_return answer.error();
          }
          joined += (joined.empty() ? "" : "+") + answer->text;
          last = answer->by;
          if (req.throw_after_first) throw std::runtime_error("after the first call");
        }
        ++self->state.tally.finished;
        co_return echoed{joined, "sequencer<-" + last};
      },
      [self](const sequencer_counts&) { return self->state.tally; },
      [self](sequence_touch req) -> cleave::task<void> {
        auto answer = co_await cleave::call(self, req.target, echo{"touch"});
        if (!answer) co_return answer.error();
        co_return caf::none;
      });
}

}  // namespace

cleave::component sequencer_component() {
  auto c = cleave::component::make<sequence, sequencer_counts, sequence_touch>("sequencer",
                                                                               sequencer_impl);
  c.calls({"echo"});
  return c;
}

cleave::component whoami_component() {
  return cleave::component::make<echo>("whoami", whoami_impl);
}

cleave::component echo_component() {
  return cleave::component::make<echo, echo_idempotent, echo_tally>("echo", echo_impl);
}
cleave::component later_component() {
  return cleave::component::make<echo_later, fire>("later", later_impl);
}
cleave::component forwarder_component() {
  auto c = cleave::component::make<echo_elsewhere, echo_delegated>("forwarder", forwarder_impl);
  c.calls({"echo"});
  return c;
}
cleave::component answerer_component() {
  return cleave::component::make<answer_for>("answerer", answerer_impl);
}
cleave::component relay_component() {
  return cleave::component::make<relay>("relay", relay_impl);
}
cleave::component failing_component() {
  return cleave::component::make<fail>("failing", failing_impl);
}
cleave::component silent_component() {
  return cleave::component::make<never_answer, echo>("silent", silent_impl);
}

std::vector<cleave::component> all_components() {
  return {echo_component(),     later_component(),  forwarder_component(),
          answerer_component(), relay_component(),  failing_component(),
          silent_component(),   whoami_component(), sequencer_component()};
}

cleave::placement_options test_app_options() {
  cleave::placement_options opts;
  opts.app = "cleave_test_app";
  for (const auto& c : all_components()) opts.known_components.push_back(c.name());
  return opts;
}

}  // namespace component_test
