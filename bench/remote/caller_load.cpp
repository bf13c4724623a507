#include "bench/remote/caller_load.hpp"

#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/remote/bench_components.hpp"
#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"

namespace bench_remote {

namespace {

using clock_type = std::chrono::steady_clock;

/// Shared by the callers of one run: the plan, and where their results meet.
template <class Send>
struct run {
  explicit run(Send s) : send(std::move(s)) {}
  Send send;
  load_spec spec;
  std::string payload;
  clock_type::time_point record_from;
  clock_type::time_point stop_at;
  std::mutex mutex;
  load_result result;
  int remaining = 0;
  std::promise<void> done;
};

template <class Send>
struct caller_state {
  std::shared_ptr<run<Send>> shared;
  std::vector<int64_t> latencies;
  std::vector<int64_t> starts;
  uint64_t errors = 0;
  uint64_t outcome_unknown = 0;
  uint64_t answered = 0;
  std::string first_error;
  int outstanding = 0;
  int64_t next_seq = 0;
};

template <class Send>
using caller_actor = caf::stateful_actor<caller_state<Send>>;

template <class Send>
void finish(caller_actor<Send>* self) {
  auto& st = self->state;
  auto& r = *st.shared;
  {
    std::lock_guard<std::mutex> guard{r.mutex};
    r.result.latencies_ns.insert(r.result.latencies_ns.end(), st.latencies.begin(),
                                 st.latencies.end());
    r.result.started_ns.insert(r.result.started_ns.end(), st.starts.begin(), st.starts.end());
    r.result.errors += st.errors;
    r.result.outcome_unknown += st.outcome_unknown;
    r.result.answered += st.answered;
    if (r.result.first_error.empty()) r.result.first_error = st.first_error;
    if (--r.remaining == 0) r.done.set_value();
  }
  // An actor that talked to another node is never collected by CAF 0.17 (its registry keeps it):
  // it has to end itself, or the node's shutdown hangs.
  self->quit();
}

template <class Send>
void issue(caller_actor<Send>* self);

/// One call ended: `failure` is empty if it succeeded; `unknown` if it failed with
/// errc::outcome_unknown.
template <class Send>
void complete(caller_actor<Send>* self, clock_type::time_point t0, const std::string& failure,
              bool unknown = false) {
  auto& st = self->state;
  auto& r = *st.shared;
  auto t1 = clock_type::now();
  --st.outstanding;
  bool in_window = t0 >= r.record_from && t0 < r.stop_at;
  if (failure.empty()) {
    ++st.answered;
    if (in_window) {
      st.latencies.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      if (r.spec.record_starts)
        st.starts.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t0 - r.record_from).count());
    }
  } else {
    if (in_window) {
      ++st.errors;
      if (unknown) ++st.outcome_unknown;
    }
    if (st.first_error.empty()) st.first_error = failure;
  }
  if (t1 < r.stop_at)
    issue(self);
  else if (st.outstanding == 0)
    finish(self);
}

template <class Send>
void issue(caller_actor<Send>* self) {
  auto& st = self->state;
  auto seq = st.next_seq++;
  ++st.outstanding;
  auto t0 = clock_type::now();
  auto expected_len = static_cast<int64_t>(st.shared->payload.size());
  st.shared->send(
      self, echo_request{seq, st.shared->payload},
      [self, t0, seq, expected_len](const echo_reply& reply) {
        bool right = reply.ok && reply.seq == seq && reply.len == expected_len;
        complete(self, t0, right ? std::string{} : std::string{"wrong answer"});
      },
      [self, t0](const caf::error& err) {
        complete(self, t0, cleave::describe(err), cleave::is(err, cleave::errc::outcome_unknown));
      });
}

template <class Send>
caf::behavior caller(caller_actor<Send>* self, std::shared_ptr<run<Send>> shared,
                     int64_t first_seq) {
  self->state.shared = std::move(shared);
  self->state.next_seq = first_seq;
  for (int i = 0; i < self->state.shared->spec.window; ++i) issue(self);
  // Nothing arrives but responses; the behaviour only keeps the actor alive until finish().
  return {[](caf::ok_atom) {
  }};
}

template <class Send>
load_result run_load(caf::actor_system& sys, Send send, const load_spec& spec) {
  if (spec.callers < 1 || spec.window < 1) throw std::invalid_argument("no callers");
  auto shared = std::make_shared<run<Send>>(std::move(send));
  shared->spec = spec;
  shared->payload.assign(spec.payload, 'x');
  shared->record_from = clock_type::now() + spec.warmup;
  shared->stop_at = shared->record_from + spec.measure;
  shared->remaining = spec.callers;
  shared->result.measure_s = std::chrono::duration<double>(spec.measure).count();
  auto done = shared->done.get_future();
  std::vector<caf::actor> callers;
  for (int i = 0; i < spec.callers; ++i)
    callers.push_back(sys.spawn(caller<Send>, shared, static_cast<int64_t>(i) << 40));
  // Calls still outstanding at the end of the window get their whole deadline, and a little more.
  auto deadline = shared->stop_at + spec.timeout + std::chrono::seconds(5);
  if (done.wait_until(deadline) != std::future_status::ready) {
    for (auto& c : callers) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    throw std::runtime_error("callers did not finish before their deadline");
  }
  std::lock_guard<std::mutex> guard{shared->mutex};
  return std::move(shared->result);
}

}  // namespace

load_result run_cleave_load(caf::actor_system& sys, const std::string& component,
                            const load_spec& spec) {
  return run_cleave_load(sys, std::vector<std::string>{component}, spec);
}

load_result run_cleave_load(caf::actor_system& sys, const std::vector<std::string>& components,
                            const load_spec& spec) {
  if (components.empty()) throw std::invalid_argument("no component to call");
  auto timeout = spec.timeout;
  auto idempotent = spec.idempotent;
  auto send = [components, timeout, idempotent](auto* self, echo_request req, auto on_reply,
                                                auto on_error) {
    // A caller's sequence numbers count up by one: its calls take the components in turn.
    const auto& component = components[static_cast<size_t>(req.seq) % components.size()];
    if (idempotent)
      cleave::call(self, component, echo_idempotent_request{req.seq, std::move(req.payload)},
                   timeout)
          .then(std::move(on_reply), std::move(on_error));
    else
      cleave::call(self, component, std::move(req), timeout)
          .then(std::move(on_reply), std::move(on_error));
  };
  return run_load(sys, send, spec);
}

load_result run_raw_caf_load(caf::actor_system& sys, const caf::actor& target,
                             const load_spec& spec) {
  auto timeout = spec.timeout;
  auto send = [target, timeout](auto* self, echo_request req, auto on_reply, auto on_error) {
    self->request(target, timeout, std::move(req))
        .then([on_reply](echo_reply& reply) mutable { on_reply(reply); },
              [on_error](caf::error& err) mutable { on_error(err); });
  };
  return run_load(sys, send, spec);
}

}  // namespace bench_remote
