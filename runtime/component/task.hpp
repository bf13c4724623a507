// Coroutine handlers: calls one after another, without callbacks.
//
//   [=](place_order req) -> cleave::task<order> {          // the message by value
//     auto user = co_await cleave::call(self, "users", get_user{req.user});
//     if (!user) co_return user.error();                 // the caller gets the error
//     auto stock = co_await cleave::call(self, "products", reserve{req.product, req.qty});
//     if (!stock) co_return stock.error();
//     co_return order{req.user, *stock};
//   }
//
// A coroutine handler takes its message by value: the handler returns at the first `co_await`,
// and a reference to the message would dangle after it (a reference parameter does not compile).
// For the same reason, locals and captures are what it may use after a `co_await`.
//
// `co_await cleave::call(...)` gives a `caf::expected<Response>` (`caf::expected<void>` for a void
// response): the reply, or the call's error, exactly as `.then` would have. A `task<T>` handler
// answers its caller with what it `co_return`s: a `T`, a `caf::error` or a `caf::expected<T>`; a
// `task<void>` handler answers with `co_return caf::none;` or `co_return err;`. An exception that
// escapes the coroutine answers errc::internal ("handler threw: ..."), as for any handler.
//
// What runs while a coroutine waits. The coroutine starts inside the handler, on the component's
// actor, and runs until its first `co_await`; the handler then returns and the component takes its
// next message: other requests, and other coroutines, of the same component run while this one
// waits, exactly as with `.then`. The coroutine resumes on the component's actor when the reply
// (or the error) arrives, never on another thread and never at the same time as another handler of
// the component. So the component's state may be used freely between `co_await`s, but it may have
// changed across one: read it again after each `co_await`.
//
// The request goes on with the coroutine: each call it makes after a `co_await` carries the
// request's id and is cut to the request's deadline, like the first. If the component ends while
// a coroutine waits, the coroutine never resumes (it is destroyed when CAF drops its pending
// reply handlers) and its caller gets its deadline.
//
// Handlers returning `cleave::task` must be made by `cleave::handlers` inside a component's init
// function (cleave::component::make); elsewhere the call fails with errc::internal. A coroutine
// reads the handler's captures after each `co_await` from the behaviour that holds the handler:
// do not replace that behaviour (`self->become`) while a coroutine of it waits.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/served_call.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/core/error.hpp"

namespace cleave {

template <class T>
class task;

namespace detail {

/// The reply handle of the request the coroutine handler starting on this thread serves.
template <class T>
reply_handle<T> coroutine_reply() {
  auto* actor = current_handler_actor();
  if (actor == nullptr)
    throw std::logic_error(
        "a cleave::task handler runs only in a component (made by cleave::handlers in the init "
        "function of cleave::component::make)");
  return reply_later<T>(actor);
}

template <class T>
class task_promise_base {
 public:
  task_promise_base() : reply_(coroutine_reply<T>()) {
    if (const auto* served = current_served_call()) {
      served_.stats = served->stats;
      served_.op = served->op;
    }
  }

  /// With "defaults.log_calls": the call the coroutine serves, to be current again whenever it
  /// resumes (so that a call it makes then names it as the caller); null otherwise.
  served_call* resumed_call() { return served_.stats != nullptr ? &served_ : nullptr; }

  task<T> get_return_object() noexcept { return {}; }
  std::suspend_never initial_suspend() noexcept { return {}; }
  std::suspend_never final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept {
    try {
      throw;
    } catch (const std::exception& e) {
      reply_.deliver(make_error(errc::internal, std::string{"handler threw: "} + e.what()));
    } catch (...) {
      reply_.deliver(make_error(errc::internal, "handler threw a non-standard exception"));
    }
  }

 protected:
  reply_handle<T> reply_;
  served_call served_;
};

}  // namespace detail

/// The result type of a coroutine handler answering with a `T` (see the top of this file).
template <class T>
class task {
 public:
  struct promise_type : detail::task_promise_base<T> {
    void return_value(T value) { this->reply_.deliver(std::move(value)); }
    void return_value(caf::error err) { this->reply_.deliver(std::move(err)); }
    void return_value(caf::expected<T> x) { this->reply_.deliver(std::move(x)); }
  };
};

/// A coroutine handler answering a request whose response is void: `co_return caf::none;` on
/// success, `co_return err;` on failure.
template <>
class task<void> {
 public:
  struct promise_type : detail::task_promise_base<void> {
    void return_value(caf::error err) {
      if (err)
        this->reply_.deliver(std::move(err));
      else
        this->reply_.deliver();
    }
  };
};

namespace detail {

template <class R>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};

/// What `co_await pending_call` gives: the reply or the error.
template <class Resp>
using call_outcome = caf::expected<Resp>;

/// Shared by an awaited call's two callbacks: resumes the coroutine with the outcome, once; if
/// neither callback ever runs (the component ended first), destroys the suspended coroutine.
template <class Resp>
class awaited_call {
 public:
  awaited_call(std::coroutine_handle<> waiting, std::optional<call_outcome<Resp>>* slot,
               served_call* serving)
      : waiting_(waiting), slot_(slot), serving_(serving) {}
  ~awaited_call() {
    if (!done_ && suspended_) waiting_.destroy();
  }
  awaited_call(const awaited_call&) = delete;
  awaited_call& operator=(const awaited_call&) = delete;

  /// Hands over the outcome; resumes the coroutine unless it is still inside await_suspend.
  void finish(call_outcome<Resp> outcome) {
    if (done_) return;
    done_ = true;
    slot_->emplace(std::move(outcome));
    if (!suspended_) return;
    served_call_scope scope{serving_};
    waiting_.resume();
  }

  /// await_suspend is over: true if the coroutine stays suspended (no outcome yet).
  bool suspend() {
    suspended_ = !done_;
    return suspended_;
  }

 private:
  std::coroutine_handle<> waiting_;
  std::optional<call_outcome<Resp>>* slot_;
  served_call* serving_;
  bool done_ = false;
  bool suspended_ = false;
};

}  // namespace detail

}  // namespace cleave
