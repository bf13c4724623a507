#include "bench/inprocess/driver.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <utility>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/inprocess/messages.hpp"
#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"

namespace inproc {

namespace {

using clock_type = std::chrono::steady_clock;

/// The raw CAF request's deadline: that of the cleave calls, which take their node's default
/// ("defaults.timeout_ms", 2000 ms on a test_node) as a call without one does.
constexpr auto call_timeout = std::chrono::seconds(2);

/// Longest wait for one batch.
constexpr auto batch_deadline = std::chrono::seconds(30);

/// One batch, shared by the drivers running it and the thread waiting for it.
struct batch {
  std::string payload;
  int window = 1;
  bool record_samples = false;
  /// Calls not yet started; a driver takes one before each call.
  std::atomic<int64_t> tickets{0};
  /// Drivers still running the batch; the last one to finish ends it.
  std::atomic<int> active{0};
  clock_type::time_point start;
  clock_type::time_point end;
  std::vector<double> samples_us;
  std::mutex error_mutex;
  std::string error;
  std::promise<void> done;

  bool take_ticket() { return tickets.fetch_sub(1, std::memory_order_relaxed) > 0; }

  void fail(const caf::error& err) {
    std::lock_guard<std::mutex> guard{error_mutex};
    if (error.empty()) error = cleave::describe(err);
  }
};

struct run_batch_msg {
  std::shared_ptr<batch> job;
};

}  // namespace

}  // namespace inproc

// Never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(inproc::run_batch_msg)

namespace inproc {

namespace {

struct driver_state {
  call_target target;
  std::shared_ptr<batch> job;
  int outstanding = 0;
};

using driver_actor = caf::stateful_actor<driver_state>*;

void start_call(driver_actor self, std::string payload);

void on_done(driver_actor self, clock_type::time_point sent, std::string payload) {
  auto& st = self->state;
  --st.outstanding;
  if (st.job->record_samples)
    st.job->samples_us.push_back(
        std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
  if (st.job->take_ticket()) {
    start_call(self, std::move(payload));
    return;
  }
  if (st.outstanding > 0) return;
  auto job = std::move(st.job);
  if (job->active.fetch_sub(1) == 1) {
    job->end = clock_type::now();
    job->done.set_value();
  }
}

void start_call(driver_actor self, std::string payload) {
  ++self->state.outstanding;
  auto sent = clock_type::now();
  auto ok = [self, sent](echo_resp& r) {
    on_done(self, sent, std::move(r.payload));
  };
  auto fail = [self, sent](const caf::error& err) {
    self->state.job->fail(err);
    on_done(self, sent, self->state.job->payload);
  };
  const auto& target = self->state.target;
  if (target.raw)
    self->request(target.raw, call_timeout, echo_req{std::move(payload)})
        .then(ok, [fail](caf::error& err) { fail(err); });
  else
    cleave::call(self, target.component, echo_req{std::move(payload)}).then(ok, fail);
}

caf::behavior driver_impl(driver_actor self, call_target target) {
  self->state.target = std::move(target);
  return {[=](run_batch_msg& msg) {
    auto& st = self->state;
    st.job = std::move(msg.job);
    // Payloads are made before the first call and then travel back and forth (moved).
    std::vector<std::string> payloads;
    for (int i = 0; i < st.job->window; ++i) payloads.push_back(st.job->payload);
    for (auto& p : payloads)
      if (st.job->take_ticket()) start_call(self, std::move(p));
    if (st.outstanding == 0 && st.job->active.fetch_sub(1) == 1) {
      st.job->end = clock_type::now();
      st.job->done.set_value();
      st.job.reset();
    }
  }};
}

}  // namespace

caf::actor spawn_driver(caf::actor_system& sys, call_target target) {
  return sys.spawn(driver_impl, std::move(target));
}

batch_result run_batch(const std::vector<caf::actor>& drivers, const std::string& payload,
                       int64_t calls, int window, bool record_samples) {
  auto job = std::make_shared<batch>();
  job->payload = payload;
  job->window = window;
  job->record_samples = record_samples;
  if (record_samples) job->samples_us.reserve(static_cast<size_t>(calls));
  job->tickets = calls;
  job->active = static_cast<int>(drivers.size());
  auto done = job->done.get_future();
  job->start = clock_type::now();
  for (const auto& d : drivers) caf::anon_send(d, run_batch_msg{job});
  batch_result out;
  if (done.wait_for(batch_deadline) != std::future_status::ready) {
    out.error = "batch of " + std::to_string(calls) + " calls not done within " +
                std::to_string(batch_deadline.count()) + " s";
    return out;
  }
  out.elapsed = job->end - job->start;
  out.samples_us = std::move(job->samples_us);
  out.error = job->error;
  return out;
}

void stop_drivers(const std::vector<caf::actor>& drivers) {
  for (const auto& d : drivers) caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
}

}  // namespace inproc
