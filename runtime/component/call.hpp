// Calls: request/response to a component by name, with a deadline.
//
// From a component (any CAF event-based actor on a cleave node):
//
//   cleave::call(self, "thingey-store", store_get{id})                  // default deadline
//       .then([=](const thingey& t) { ... },                             // typed reply
//             [=](const caf::error& err) { ... });                       // always called on
//             failure
//   cleave::call(self, "thingey-store", store_get{id}, std::chrono::milliseconds(50)).then(...);
//
// A call never hangs: it completes, fails with the handler's error, or fails at its deadline with
// errc::deadline_exceeded naming component and operation ("thingey-store.store_get"). A name the
// placement does not have fails at once with errc::unknown_component. The default deadline is
// "defaults.timeout_ms" of the placement. In-process calls are plain CAF requests: no copies, no
// serialization, no extra hop.
//
// `cleave::send` is the one-way form; `cleave::delegate` hands the current request to another
// component, which then answers the original caller directly.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/delegated.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/send.hpp>
#include <caf/timespan.hpp>

#include "runtime/component/detail/call_deadlines.hpp"
#include "runtime/component/detail/call_edges.hpp"
#include "runtime/component/detail/call_metrics.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/served_call.hpp"
#include "runtime/component/detail/wire.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/middleware/circuit_breaker.hpp"

namespace cleave {

template <class Self, class Req>
class pending_call;

/// The response type of request type `Req`.
template <class Req>
using response_t = typename Req::response;

namespace detail {

/// Turns CAF's errors for a failed call into cleave errors that name component and operation.
caf::error annotate_call_error(caf::error err, const std::string& component, const char* op,
                               caf::timespan timeout);

/// "<component>.<op>: no component named ..." for a name the placement does not have.
std::string unknown_component_message(const std::string& component, const char* op);

/// The message for `req`: with the request context when the thread works for a request.
template <class Req>
caf::message call_message(Req req) {
  if (current_request().active())
    return caf::make_message(std::move(req), outgoing_request_context());
  return caf::make_message(std::move(req));
}

/// `timeout`, cut to what is left of the request the thread works for.
caf::timespan within_request(caf::timespan timeout);

/// Sends request `req` to `dest`. A call to another node goes straight to the component while
/// its forwarder is connected (a hop through it cost ~25 us of a ~105 us round trip); otherwise
/// the forwarder gets it, wrapped with the absolute deadline.
/// `wait` is CAF's timeout for the request: `timeout`, or caf::infinite when the caller keeps
/// the call's deadline in call_deadlines. A direct call is registered there with its connection
/// (`track`), to be failed at once if that connection is lost.
template <class Self, class Req>
auto request_to(Self self, const call_target& dest, caf::timespan timeout, Req req,
                caf::duration wait) {
  if (dest.forwarder && !dest.direct)
    return self->request(
        dest.handle, wait,
        forward_request{std::chrono::steady_clock::now() + timeout, call_message(std::move(req))});
  const auto& to = dest.direct ? dest.direct : dest.handle;
  auto handle = current_request().active()
                    ? self->request(to, wait, std::move(req), outgoing_request_context())
                    : self->request(to, wait, std::move(req));
  return handle;
}

/// Registers the call `response_id` of `self` to `dest` in call_deadlines: failed at `due`, and
/// at once if it went straight to another node whose connection is lost.
inline call_deadlines::ticket track(caf::actor_control_block* self, const call_target& dest,
                                    caf::message_id response_id,
                                    std::chrono::steady_clock::time_point due) {
  return call_deadlines::instance().add(self, response_id, due, dest.direct ? dest.link : nullptr,
                                        dest.link_epoch);
}

/// One call counted among its replica's outstanding calls (least-outstanding balancing) until
/// end() is called or it goes (a caller that ended before the answer). Nothing for components
/// that are not balanced least-outstanding. Allocates nothing: a blocking call keeps it on its
/// stack, an event-based one in its state.
class outstanding_call {
 public:
  outstanding_call() = default;
  explicit outstanding_call(std::shared_ptr<outstanding_calls> count) : count_(std::move(count)) {
    if (count_) count_->fetch_add(1, std::memory_order_relaxed);
  }
  ~outstanding_call() { end(); }
  outstanding_call(outstanding_call&& other) noexcept : count_(std::move(other.count_)) {}
  outstanding_call& operator=(outstanding_call&& other) noexcept {
    if (this != &other) {
      end();
      count_ = std::move(other.count_);
    }
    return *this;
  }
  outstanding_call(const outstanding_call&) = delete;
  outstanding_call& operator=(const outstanding_call&) = delete;

  /// The call has ended (idempotent).
  void end() {
    if (!count_) return;
    count_->fetch_sub(1, std::memory_order_relaxed);
    count_.reset();
  }

 private:
  std::shared_ptr<outstanding_calls> count_;
};

/// Adapts `on_reply` to the reply of a `Resp` request: in "serialize_local" mode the reply is
/// copied through the wire encoding first (a failure goes to `on_error`).
template <class Resp, class OnReply, class OnError>
auto reply_adapter(caf::actor_system& sys, OnReply on_reply, OnError on_error) {
  if constexpr (std::is_void_v<Resp>) {
    (void)sys;
    (void)on_error;
    return [on_reply = std::move(on_reply)]() mutable {
      on_reply();
    };
  } else {
    bool copy = serializes_local(sys);
    return [&sys, copy, on_reply = std::move(on_reply),
            on_error = std::move(on_error)](Resp& reply) mutable {
      if (!copy) {
        on_reply(reply);
        return;
      }
      auto copied = wire_copy(sys, std::move(reply));
      if (copied)
        on_reply(*copied);
      else
        on_error(std::move(copied.error()));
    };
  }
}

/// What is left until `deadline` (zero if it has passed).
inline caf::timespan time_left(std::chrono::steady_clock::time_point deadline) {
  auto now = std::chrono::steady_clock::now();
  if (deadline == std::chrono::steady_clock::time_point::max()) return caf::timespan::max();
  return deadline > now ? std::chrono::duration_cast<caf::timespan>(deadline - now)
                        : caf::timespan{0};
}

/// True if a failed attempt of a `Req` call to a replica (`err`, annotated) may be made again on
/// another one before `deadline`: it certainly did not arrive (`unavailable`), or it may have and
/// `Req` is idempotent (`outcome_unknown`). A deadline that passed is never retried.
template <class Req>
bool retry_on(const caf::error& err, std::chrono::steady_clock::time_point deadline) {
  if (time_left(deadline) <= caf::timespan{0}) return false;
  if (is(err, errc::unavailable)) return true;
  return is_idempotent_v<Req> && is(err, errc::outcome_unknown);
}

/// True if `annotated` (see annotate_call_error) is a failure of the replica the call went to,
/// which its circuit breaker counts: not reached, no answer, answered too late. Errors a component
/// answers with (not found, invalid argument, ...) are answers.
bool replica_failure(const caf::error& annotated);

/// The component whose code runs on this thread (current_caller(), call_edges.hpp), else "": the
/// caller named in the log line of a call that got no answer.
std::string calling_component();

/// Logs call `component`.`op` from `sys` that failed with `annotated` if `sys` logs calls and the
/// component gave no answer (replica_failure, unknown_component, and the error names it).
void note_failed_call(const caf::actor_system& sys, const std::string& caller,
                      const std::string& component, const char* op, const caf::error& annotated,
                      std::chrono::steady_clock::duration elapsed);

/// A call's passage through the circuit breaker of the replica it goes to (call_target::breaker):
/// admitted or not, and the outcome reported once.
class breaker_pass {
 public:
  explicit breaker_pass(std::shared_ptr<middleware::breaker> b) : breaker_(std::move(b)) {
    if (breaker_) ticket_ = breaker_->acquire();
  }

  /// The breaker is open: the call must not be sent there.
  bool refused() const { return breaker_ && !ticket_.allowed; }

  /// Reports how the call ended (`annotated`: none if it succeeded).
  void report(const caf::error& annotated) const {
    if (breaker_ && ticket_.allowed) breaker_->release(ticket_, !replica_failure(annotated));
  }

 private:
  std::shared_ptr<middleware::breaker> breaker_;
  middleware::breaker::ticket ticket_;
};

/// The error of a call refused by an open circuit breaker: nothing was sent.
caf::error circuit_open(const std::string& component, const char* op);

/// What an event-based call keeps until it ends: where it goes, its deadline, the request it works
/// for, and the caller's callbacks; ending it records its metrics.
template <class Self, class Req, class OnReply, class OnError>
class call_state {
 public:
  call_state(Self self, std::string component, caf::timespan timeout, OnReply on_reply,
             OnError on_error)
      : self_(self),
        component_(std::move(component)),
        timeout_(timeout),
        start_(std::chrono::steady_clock::now()),
        deadline_(deadline_after(start_, timeout)),
        // The callbacks run later, outside the handler that made the call: they get its
        // request back.
        request_(current_request()),
        caller_(current_caller()),
        on_reply_(std::move(on_reply)),
        on_error_(std::move(on_error)) {}

  const std::string& component() const { return component_; }

 protected:
  /// Hands the reply to the caller.
  template <class... Xs>
  void succeed(bool remote, Xs&&... xs) {
    request_scope scope{request_};
    // What the callback calls in turn (a coroutine resumed, say) comes from the same caller.
    caller_scope as{caller_};
    record_call(caller_, component_, message_name<Req>(), remote, caf::none,
                std::chrono::steady_clock::now() - start_);
    on_reply_(std::forward<Xs>(xs)...);
  }

  /// Hands `annotated` (see annotate_call_error) to the caller.
  void fail(caf::error annotated, bool remote) {
    request_scope scope{request_};
    caller_scope as{caller_};
    auto elapsed = std::chrono::steady_clock::now() - start_;
    record_call(caller_, component_, message_name<Req>(), remote, annotated, elapsed);
    note_failed_call(self_->system(), caller_ != nullptr ? *caller_ : std::string{}, component_,
                     message_name<Req>(), annotated, elapsed);
    on_error_(std::move(annotated));
  }

  caf::error annotate(caf::error err) const {
    return annotate_call_error(std::move(err), component_, message_name<Req>(), timeout_);
  }

  Self self_;
  std::string component_;
  caf::timespan timeout_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point deadline_;
  current_request_info request_;
  /// The calling component (current_caller()), null if none.
  const std::string* caller_;
  OnReply on_reply_;
  OnError on_error_;
};

/// An event-based call, and its further attempts on other replicas (retry_on).
template <class Self, class Req, class OnReply, class OnError>
class event_call : public call_state<Self, Req, OnReply, OnError>,
                   public std::enable_shared_from_this<event_call<Self, Req, OnReply, OnError>> {
 public:
  using call_state<Self, Req, OnReply, OnError>::call_state;

  /// Sends `req` to `dest`. The deadline is kept by call_deadlines, not CAF's clock (see there):
  /// the callbacks take it out again.
  void attempt(const call_target& dest, Req req) {
    if (dest.replicated) again_ = req;
    breaker_pass pass{dest.breaker};
    // Every replica's breaker open (picking avoids open ones while it can): the call fails, or
    // tries the next replica, before `then` returns.
    if (pass.refused()) {
      failed(circuit_open(this->component_, message_name<Req>()), false, dest.handle, dest.remote,
             pass);
      return;
    }
    auto handle =
        request_to(this->self_, dest, time_left(this->deadline_), std::move(req), caf::infinite);
    auto ticket = track(this->self_->ctrl(), dest, handle.id(), this->deadline_);
    // Attempts follow one another: the call keeps the count of the one under way.
    outstanding_ = outstanding_call{dest.outstanding};
    auto me = this->shared_from_this();
    auto fail = [me, ticket, pass, to = dest.handle, remote = dest.remote](
                    caf::error err, bool final = false) mutable {
      call_deadlines::instance().remove(ticket);
      me->outstanding_.end();
      me->failed(std::move(err), final, to, remote, pass);
    };
    auto reply = [me, ticket, pass, remote = dest.remote](auto&&... xs) mutable {
      call_deadlines::instance().remove(ticket);
      me->outstanding_.end();
      pass.report(caf::none);
      me->succeed(remote, std::forward<decltype(xs)>(xs)...);
    };
    std::move(handle).then(reply_adapter<response_t<Req>>(
                               this->self_->system(), std::move(reply),
                               [fail](caf::error err) mutable { fail(std::move(err), true); }),
                           [fail](caf::error& err) mutable { fail(std::move(err)); });
  }

 private:
  void failed(caf::error err, bool final, const caf::actor& to, bool remote,
              const breaker_pass& pass) {
    auto annotated = this->annotate(std::move(err));
    pass.report(annotated);
    if (!final && again_ && retry_on<Req>(annotated, this->deadline_)) {
      tried_.push_back(to);
      request_scope scope{this->request_};
      request_key<Req> key{*again_};
      auto next = call_target_of(this->self_->system(), this->component_, call_route{tried_, &key});
      if (std::find(tried_.begin(), tried_.end(), next.handle) == tried_.end()) {
        Req req = std::move(*again_);
        again_.reset();
        attempt(next, std::move(req));
        return;
      }
    }
    this->fail(std::move(annotated), remote);
  }

  /// A copy of the request while another attempt may be made (replicated components only).
  std::optional<Req> again_;
  /// The attempt under way, counted for least-outstanding balancing.
  outstanding_call outstanding_;
  /// The replicas tried so far.
  std::vector<caf::actor> tried_;
};

/// An event-based call of a keyless request to a keyed component: asked of every replica, the
/// answers merged (is_mergeable) in the order they arrive; the first failure fails the call.
template <class Self, class Req, class OnReply, class OnError>
class gather_call : public call_state<Self, Req, OnReply, OnError>,
                    public std::enable_shared_from_this<gather_call<Self, Req, OnReply, OnError>> {
 public:
  using response = response_t<Req>;
  using call_state<Self, Req, OnReply, OnError>::call_state;

  void start(const Req& req, const std::vector<call_target>& targets) {
    waiting_ = targets.size();
    if (targets.empty()) {
      failed(make_error(errc::unavailable, this->component_ + ": no replica"));
      return;
    }
    for (const auto& dest : targets) {
      auto pass = std::make_shared<breaker_pass>(dest.breaker);
      remote_ = remote_ || dest.remote;
      // The answer cannot be whole without this replica's: fail now, before more is sent.
      if (pass->refused()) {
        failed(circuit_open(this->component_, message_name<Req>()));
        return;
      }
      auto handle = request_to(this->self_, dest, time_left(this->deadline_), req, caf::infinite);
      auto ticket = track(this->self_->ctrl(), dest, handle.id(), this->deadline_);
      // Shared by the two callbacks, one of which runs.
      auto outstanding = std::make_shared<outstanding_call>(dest.outstanding);
      auto me = this->shared_from_this();
      auto fail = [me, ticket, outstanding, pass](caf::error err) mutable {
        call_deadlines::instance().remove(ticket);
        outstanding->end();
        auto annotated = me->annotate(std::move(err));
        pass->report(annotated);
        me->failed(std::move(annotated));
      };
      auto part = [me, ticket, outstanding, pass](response& r) mutable {
        call_deadlines::instance().remove(ticket);
        outstanding->end();
        pass->report(caf::none);
        me->answered(std::move(r));
      };
      std::move(handle).then(reply_adapter<response>(this->self_->system(), std::move(part), fail),
                             [fail](caf::error& err) mutable { fail(std::move(err)); });
    }
  }

 private:
  void answered(response r) {
    if (done_) return;
    if (merged_)
      merged_->merge(std::move(r));
    else
      merged_ = std::move(r);
    if (--waiting_ > 0) return;
    done_ = true;
    this->succeed(remote_, *merged_);
  }

  /// `annotated`: see annotate_call_error.
  void failed(caf::error annotated) {
    if (done_) return;
    done_ = true;
    this->fail(std::move(annotated), remote_);
  }

  size_t waiting_ = 0;
  bool done_ = false;
  bool remote_ = false;
  std::optional<response> merged_;
};

}  // namespace detail

namespace detail {

/// `co_await`ing a pending_call: sends it with `then` and resumes the coroutine with the outcome.
template <class Self, class Req>
class call_awaiter {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
  // Measured with g++ 12.2: `co_await cleave::call(self, "x", req_type{text})` frees the
  // request's members twice (heap corruption), from the first call on.
  static_assert(sizeof(Req) == 0,
                "co_await on a cleave call needs clang++-14 (the project's default compiler): g++ "
                "12 destroys an aggregate built inside a co_await expression twice");
#endif

 public:
  using response = response_t<Req>;

  explicit call_awaiter(pending_call<Self, Req> call) : call_(std::move(call)) {}

  bool await_ready() const noexcept {
    return false;
  }

  /// False if the outcome came at once (an open breaker, no such component): no suspension.
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> waiting) {
    served_call* serving = nullptr;
    if constexpr (requires { waiting.promise().resumed_call(); })
      serving = waiting.promise().resumed_call();
    auto shared = std::make_shared<awaited_call<response>>(waiting, &outcome_, serving);
    if constexpr (std::is_void_v<response>)
      std::move(call_).then([shared] { shared->finish(call_outcome<void>{}); },
                            [shared](caf::error err) { shared->finish(std::move(err)); });
    else
      std::move(call_).then([shared](response& r) { shared->finish(std::move(r)); },
                            [shared](caf::error err) { shared->finish(std::move(err)); });
    return shared->suspend();
  }

  call_outcome<response> await_resume() {
    return std::move(*outcome_);
  }

 private:
  pending_call<Self, Req> call_;
  std::optional<call_outcome<response>> outcome_;
};

}  // namespace detail

/// A call on its way; say what happens with the reply with `then` (event-based actors) or
/// `receive` (blocking actors). Nothing is sent until one of them is called, so dropping it is a
/// mistake the compiler reports (`call` is [[nodiscard]]; an error under -Werror): for a one-way
/// message, use cleave::send.
template <class Self, class Req>
class pending_call {
 public:
  pending_call(Self self, std::string component, Req req, caf::timespan timeout)
      : self_(self), component_(std::move(component)), req_(std::move(req)), timeout_(timeout) {}

  /// Event-based: `on_reply(response)` or `on_error(caf::error)` runs later, exactly once.
  template <class OnReply, class OnError>
  void then(OnReply on_reply, OnError on_error) && {
    detail::request_key<Req> key{req_};
    auto dest = detail::call_target_of(self_->system(), component_, {{}, &key});
    if constexpr (is_mergeable_v<response_t<Req>>) {
      if (dest.keyless) {
        auto call = std::make_shared<detail::gather_call<Self, Req, OnReply, OnError>>(
            self_, std::move(component_), timeout_, std::move(on_reply), std::move(on_error));
        call->start(req_, detail::replica_targets_of(self_->system(), call->component()));
        return;
      }
    }
    auto call = std::make_shared<detail::event_call<Self, Req, OnReply, OnError>>(
        self_, std::move(component_), timeout_, std::move(on_reply), std::move(on_error));
    call->attempt(dest, std::move(req_));
  }

  /// Blocking: waits (at most until the deadline) and runs `on_reply` or `on_error`.
  template <class OnReply, class OnError>
  void receive(OnReply on_reply, OnError on_error) && {
    auto& sys = self_->system();
    auto start = std::chrono::steady_clock::now();
    auto deadline = deadline_after(start, timeout_);
    detail::request_key<Req> key{req_};
    auto dest = detail::call_target_of(sys, component_, {{}, &key});
    if constexpr (is_mergeable_v<response_t<Req>>) {
      if (dest.keyless) {
        gather(detail::replica_targets_of(sys, component_), start, deadline, on_reply, on_error);
        return;
      }
    }
    std::vector<caf::actor> tried;
    for (;;) {
      // A replicated component's call may be made again on another replica (retry_on).
      std::optional<Req> again;
      if (dest.replicated) again = req_;
      caf::error failure;
      bool answered = false;
      bool final = false;
      auto reply = [&](auto&&... xs) {
        answered = true;
        detail::record_call(detail::current_caller(), component_, message_name<Req>(), dest.remote,
                            caf::none, std::chrono::steady_clock::now() - start);
        on_reply(std::forward<decltype(xs)>(xs)...);
      };
      auto undecodable = [&](caf::error err) {
        failure = std::move(err);
        final = true;
      };
      detail::breaker_pass pass{dest.breaker};
      if (pass.refused()) {
        failure = detail::circuit_open(component_, message_name<Req>());
      } else {
        // CAF's clock keeps the deadline of a blocking call (its receive waits on it); the table
        // fails a direct one if its connection is lost.
        auto left = detail::time_left(deadline);
        auto handle = detail::request_to(self_, dest, left, std::move(req_), caf::duration{left});
        auto ticket = detail::track(self_->ctrl(), dest, handle.id(), deadline);
        detail::outstanding_call outstanding{dest.outstanding};
        std::move(handle).receive(detail::reply_adapter<response_t<Req>>(sys, reply, undecodable),
                                  [&](caf::error& err) { failure = std::move(err); });
        detail::call_deadlines::instance().remove(ticket);
        outstanding.end();
      }
      if (answered) {
        pass.report(caf::none);
        return;
      }
      auto annotated = detail::annotate_call_error(std::move(failure), component_,
                                                   message_name<Req>(), timeout_);
      pass.report(annotated);
      if (!final && again && detail::retry_on<Req>(annotated, deadline)) {
        tried.push_back(dest.handle);
        detail::request_key<Req> again_key{*again};
        auto next = detail::call_target_of(sys, component_, detail::call_route{tried, &again_key});
        if (std::find(tried.begin(), tried.end(), next.handle) == tried.end()) {
          dest = std::move(next);
          req_ = std::move(*again);
          continue;
        }
      }
      auto elapsed = std::chrono::steady_clock::now() - start;
      detail::record_call(detail::current_caller(), component_, message_name<Req>(), dest.remote,
                          annotated, elapsed);
      detail::note_failed_call(sys, detail::calling_component(), component_, message_name<Req>(),
                               annotated, elapsed);
      on_error(std::move(annotated));
      return;
    }
  }

 private:
  /// Blocking: asks each of `targets` in turn and merges their answers (a keyless request to a
  /// keyed component); the first failure fails the call.
  template <class OnReply, class OnError>
  void gather(const std::vector<detail::call_target>& targets,
              std::chrono::steady_clock::time_point start,
              std::chrono::steady_clock::time_point deadline, OnReply& on_reply,
              OnError& on_error) {
    auto& sys = self_->system();
    std::optional<response_t<Req>> merged;
    caf::error failure;
    bool remote = false;
    for (const auto& dest : targets) {
      remote = remote || dest.remote;
      detail::breaker_pass pass{dest.breaker};
      if (pass.refused()) {
        failure = detail::circuit_open(component_, message_name<Req>());
        break;
      }
      auto left = detail::time_left(deadline);
      auto handle = detail::request_to(self_, dest, left, req_, caf::duration{left});
      auto ticket = detail::track(self_->ctrl(), dest, handle.id(), deadline);
      detail::outstanding_call outstanding{dest.outstanding};
      auto part = [&](response_t<Req>& r) {
        if (merged)
          merged->merge(std::move(r));
        else
          merged = std::move(r);
      };
      auto fail = [&](caf::error err) {
        failure = std::move(err);
      };
      std::move(handle).receive(detail::reply_adapter<response_t<Req>>(sys, part, fail),
                                [&](caf::error& err) { failure = std::move(err); });
      detail::call_deadlines::instance().remove(ticket);
      outstanding.end();
      if (failure) {
        failure = detail::annotate_call_error(std::move(failure), component_, message_name<Req>(),
                                              timeout_);
        pass.report(failure);
        break;
      }
      pass.report(caf::none);
    }
    if (!failure && merged) {
      detail::record_call(detail::current_caller(), component_, message_name<Req>(), remote,
                          caf::none, std::chrono::steady_clock::now() - start);
      on_reply(*merged);
      return;
    }
    // Annotated already, as a replica's failure or the breaker's refusal.
    if (!failure) failure = make_error(errc::unavailable, component_ + ": no replica");
    auto elapsed = std::chrono::steady_clock::now() - start;
    detail::record_call(detail::current_caller(), component_, message_name<Req>(), remote, failure,
                        elapsed);
    detail::note_failed_call(sys, detail::calling_component(), component_, message_name<Req>(),
                             failure, elapsed);
    on_error(std::move(failure));
  }

  Self self_;
  std::string component_;
  Req req_;
  caf::timespan timeout_;

 public:
  /// In a coroutine handler (cleave::task, runtime/component/task.hpp): waits for the reply
  /// without holding up the component, and gives it as caf::expected<response>.
  auto operator co_await() && { return detail::call_awaiter<Self, Req>{std::move(*this)}; }
};

/// Calls `component` with request `req` from actor `self`; the deadline defaults to the
/// placement's "defaults.timeout_ms".
template <class Self, class Req>
[[nodiscard(
    "a call is sent only once its reply is taken (.then, .receive or co_await); for a one-way "
    "message use cleave::send")]] pending_call<Self, Req>
call(Self self, std::string component, Req req,
     std::optional<caf::timespan> timeout = std::nullopt) {
  static_assert(is_message_v<Req>, "requests must be declared with CLEAVE_MESSAGE");
  auto deadline =
      detail::within_request(timeout ? *timeout : detail::default_timeout(self->system()));
  return {self, std::move(component), std::move(req), deadline};
}

/// Sends one-way message `msg` to `component` (dropped if there is no such component).
template <class Self, class Msg>
void send(Self self, const std::string& component, Msg msg) {
  detail::request_key<Msg> key{msg};
  self->send(detail::call_target_of(self->system(), component, {{}, &key}).handle,
             detail::call_message(std::move(msg)));
}

/// Hands the request `self` is handling to `component` as `req`; that component answers the
/// original caller, within the original caller's deadline. Return the result from the handler
/// (an unknown_component error if there is no such component).
template <class Self, class Req>
caf::result<response_t<Req>> delegate(Self self, const std::string& component, Req req) {
  detail::request_key<Req> key{req};
  auto dest = detail::call_target_of(self->system(), component, {{}, &key}).handle;
  if (!detail::is_known(self->system(), component))
    return make_error(errc::unknown_component,
                      detail::unknown_component_message(component, message_name<Req>()));
  // The log line of the call served here says where it went (served_call.hpp).
  if (auto* served = detail::current_served_call()) served->delegated_to = component;
  if (current_request().active())
    self->delegate(dest, std::move(req), outgoing_request_context());
  else
    self->delegate(dest, std::move(req));
  return caf::delegated<response_t<Req>>{};
}

}  // namespace cleave
