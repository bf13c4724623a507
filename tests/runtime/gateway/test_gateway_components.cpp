#include "tests/runtime/gateway/test_gateway_components.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "runtime/component/handlers.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/request_context.hpp"

namespace gateway_test {

namespace {

struct gate_state {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int held = 0;
};

gate_state& state() {
  static gate_state s;
  return s;
}

std::atomic<int> hung_count{0};

struct test_state {
  std::vector<cleave::reply_handle<echoed>> hung;
};

echoed answer(std::string text, const cleave::component_context& ctx) {
  return echoed{std::move(text), ctx.name(), cleave::current_request().request_id};
}

caf::behavior test_impl(caf::stateful_actor<test_state>* self,
                        const cleave::component_context& ctx) {
  return cleave::handlers(
      [ctx](const gw_echo& req) {
        std::string text;
        for (int32_t i = 0; i < req.times.value_or(1); ++i) text += req.text;
        return answer(text, ctx);
      },
      [ctx](const gw_get_item& req) {
        return answer("item " + req.id + (req.tag ? " #" + *req.tag : ""), ctx);
      },
      [](const gw_number& req) {
        return doubled{int64_t{2} * req.n, req.flag.value_or(false)};
      },
      [ctx](const gw_fail& req) -> caf::result<echoed> {
        using cleave::errc;
        if (req.mode == "not_found") return cleave::make_error(errc::not_found, "nothing here");
        if (req.mode == "invalid_argument")
          return cleave::make_error(errc::invalid_argument, "bad \"thing\"");
        if (req.mode == "already_exists")
          return cleave::make_error(errc::already_exists, "there already");
        if (req.mode == "failed_precondition")
          return cleave::make_error(errc::failed_precondition, "sold out");
        if (req.mode == "permission_denied")
          return cleave::make_error(errc::permission_denied, "not yours");
        if (req.mode == "unauthenticated")
          return cleave::make_error(errc::unauthenticated, "who are you?");
        if (req.mode == "resource_exhausted")
          return cleave::make_error(errc::resource_exhausted, "quota used up");
        if (req.mode == "app") return cleave::make_app_error(422, "too_sweet", "less sugar");
        if (req.mode == "unavailable") return cleave::make_error(errc::unavailable, "gone");
        if (req.mode == "deadline_exceeded")
          return cleave::make_error(errc::deadline_exceeded, "too slow");
        if (req.mode == "outcome_unknown")
          return cleave::make_error(errc::outcome_unknown, "connection lost after sending");
        if (req.mode == "unavailable_remote")
          return cleave::make_error(errc::unavailable, remote_failure);
        if (req.mode == "throw") throw std::runtime_error("boom");
        return answer("ok", ctx);
      },
      [self](const gw_hang&) {
        auto reply = cleave::reply_later<echoed>(self);
        self->state.hung.push_back(reply);
        ++hung_count;
        return reply;
      },
      [](const gw_touch&) {},
      [ctx](const gw_block&) {
        block_gate().pass(std::chrono::seconds(10));
        return answer("unblocked", ctx);
      });
}

}  // namespace

cleave::component test_component() {
  return cleave::component::make<gw_echo, gw_get_item, gw_number, gw_fail, gw_hang, gw_touch,
                                 gw_block>("gwtest", test_impl);
}

void gate::reset() {
  std::lock_guard<std::mutex> guard{state().mutex};
  state().open = false;
  state().held = 0;
}

void gate::open() {
  std::lock_guard<std::mutex> guard{state().mutex};
  state().open = true;
  state().changed.notify_all();
}

bool gate::wait_held(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{state().mutex};
  return state().changed.wait_for(guard, timeout, [n] { return state().held >= n; });
}

void gate::pass(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> guard{state().mutex};
  ++state().held;
  state().changed.notify_all();
  state().changed.wait_for(guard, limit, [] { return state().open; });
}

int hung_requests() {
  return hung_count.load();
}

gate& block_gate() {
  static gate g;
  return g;
}

}  // namespace gateway_test
