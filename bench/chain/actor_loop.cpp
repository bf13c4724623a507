#include "bench/chain/actor_loop.hpp"

#include <future>
#include <memory>

#include <caf/atom.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/chain/chain_components.hpp"
#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"

namespace chain_bench {

namespace {

using clock_type = std::chrono::steady_clock;
using go_atom = caf::atom_constant<caf::atom("go")>;

/// Every component adds 1 on the way down.
constexpr int64_t hops = 4;

struct loop_state {
  std::string first;
  loop_plan plan;
  int replies = 0;
  clock_type::time_point sent;
  clock_type::time_point stop_at;
  std::vector<double> samples;
  std::shared_ptr<std::promise<caf::expected<std::vector<double>>>> done;
};

using loop_actor = caf::stateful_actor<loop_state>*;

void finish(loop_actor self, caf::expected<std::vector<double>> result) {
  self->state.done->set_value(std::move(result));
  self->quit();
}

void send_next(loop_actor self) {
  self->state.sent = clock_type::now();
  cleave::call(self, self->state.first, chain_step{payload16, 0})
      .then(
          [self](const chain_result& r) {
            auto now = clock_type::now();
            auto& st = self->state;
            if (r.counter != hops || r.payload != payload16) {
              finish(self,
                     cleave::make_error(cleave::errc::internal,
                                        "chain answered counter " + std::to_string(r.counter) +
                                            ", expected " + std::to_string(hops)));
              return;
            }
            if (++st.replies == st.plan.warmup) st.stop_at = now + st.plan.budget;
            if (st.replies > st.plan.warmup) st.samples.push_back(micros(now - st.sent));
            bool full = static_cast<int>(st.samples.size()) >= st.plan.max_samples;
            if (st.replies > st.plan.warmup && (full || now >= st.stop_at)) {
              finish(self, std::move(st.samples));
              return;
            }
            send_next(self);
          },
          [self](const caf::error& err) { finish(self, err); });
}

caf::behavior loop_impl(loop_actor self, std::string first, loop_plan plan,
                        std::shared_ptr<std::promise<caf::expected<std::vector<double>>>> done) {
  self->state.first = std::move(first);
  self->state.plan = plan;
  self->state.samples.reserve(static_cast<std::size_t>(plan.max_samples));
  self->state.stop_at = clock_type::now() + plan.budget;  // reset when the warm-up ends
  self->state.done = std::move(done);
  return {[self](go_atom) {
    send_next(self);
  }};
}

}  // namespace

caf::expected<std::vector<double>> run_actor_loop(caf::actor_system& sys, const std::string& first,
                                                  const loop_plan& plan) {
  auto done = std::make_shared<std::promise<caf::expected<std::vector<double>>>>();
  auto result = done->get_future();
  auto actor = sys.spawn(loop_impl, first, plan, done);
  caf::anon_send(actor, go_atom::value);
  // Bounds a hang: the warm-up plus the budget, with room for a slow warm-up (connections).
  auto deadline = plan.budget * 2 + std::chrono::seconds(20);
  if (result.wait_for(deadline) != std::future_status::ready) {
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    return cleave::make_error(cleave::errc::deadline_exceeded,
                              "the driver actor did not finish within its deadline");
  }
  return result.get();
}

}  // namespace chain_bench
