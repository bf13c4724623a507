// Behaviours of components: CAF message handlers that never let an exception escape.
//
//   return cleave::handlers(
//       [=](const get_item& req) -> caf::result<item> { ... },          // answer now (or an error)
//       [=](const put_item& req) -> cleave::reply_handle<item> { ... },   // answer later
//       [=](const find_item& req) { return cleave::delegate(self, "index", lookup{req.key}); });
//
// A handler that throws answers its caller with errc::internal (the exception's what()) and the
// component keeps running: CAF 0.17 would otherwise answer with the error and then terminate the
// actor. For a request type `R` (one with `using response = ...`) the handler's result must name
// `R::response`; a mismatch is a compile-time error, not a silent unexpected_response at run time.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <caf/behavior.hpp>
#include <caf/delegated.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/expected.hpp>
#include <caf/result.hpp>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/served_call.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"

namespace cleave {

namespace detail {

/// The response type a handler result stands for: T for T, result<T>, expected<T>,
/// reply_handle<T> and delegated<T>.
template <class R>
struct answer_type {
  using type = R;
};
template <class T>
struct answer_type<caf::result<T>> {
  using type = T;
};
template <>
struct answer_type<caf::result<void>> {
  using type = void;
};
template <class T>
struct answer_type<caf::expected<T>> {
  using type = T;
};
template <class T>
struct answer_type<reply_handle<T>> {
  using type = T;
};
template <class T>
struct answer_type<caf::delegated<T>> {
  using type = T;
};
template <class T>
struct answer_type<task<T>> {
  using type = T;
};

template <class R>
struct answers_later : std::false_type {};
template <class T>
struct answers_later<reply_handle<T>> : std::true_type {};
template <class T>
struct answers_later<caf::delegated<T>> : std::true_type {};
template <class T>
struct answers_later<task<T>> : std::true_type {};

template <class Answer, class Arg, class = void>
struct answer_matches_request : std::true_type {};
template <class Answer, class Arg>
struct answer_matches_request<Answer, Arg, std::void_t<typename std::decay_t<Arg>::response>>
    : std::is_same<Answer, typename std::decay_t<Arg>::response> {};

template <class Answer, class... Args>
constexpr bool answer_matches() {
  if constexpr (sizeof...(Args) == 1)
    return (answer_matches_request<Answer, Args>::value && ...);
  else
    return true;
}

/// Runs handler `f` and turns what it returns or throws into a CAF result.
template <class R, class Answer, class F, class... Args>
caf::result<Answer> run_guarded(F& f, Args&&... args) {
  try {
    if constexpr (std::is_void_v<R>) {
      f(std::forward<Args>(args)...);
      return caf::result<void>{};
    } else if constexpr (answers_later<std::decay_t<R>>::value) {
      f(std::forward<Args>(args)...);
      return caf::delegated<Answer>{};
    } else {
      return f(std::forward<Args>(args)...);
    }
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string{"handler threw: "} + e.what());
  } catch (...) {
    return make_error(errc::internal, "handler threw a non-standard exception");
  }
}

/// The operation a handler serves: the name of its one message type, else "message".
template <class... Args>
const char* operation_name() {
  if constexpr (sizeof...(Args) == 1) {
    using arg = std::decay_t<caf::detail::tl_head_t<caf::detail::type_list<Args...>>>;
    if constexpr (is_message_v<arg>) return message_name<arg>();
  }
  return "message";
}

template <class R, class F, class... Args>
auto guard_handler(F f, caf::detail::type_list<Args...>) {
  using answer = typename answer_type<std::decay_t<R>>::type;
  static_assert(answer_matches<answer, Args...>(),
                "the handler's result type does not match the request's `response` type");
  static_assert(!is_task<std::decay_t<R>>::value || (!std::is_reference_v<Args> && ...),
                "a coroutine handler (cleave::task) takes its message by value: a reference "
                "would dangle once the handler has returned at its first co_await");
  auto stats = current_init_stats();
  // The calls the handler makes come from its component (the call graph's edges).
  const std::string* caller = stats ? intern_component_name(stats->component) : nullptr;
  // A coroutine handler answers through its actor's reply handle (task.hpp); nullptr outside a
  // component's init makes it fail with internal.
  caf::local_actor* actor = nullptr;
  if constexpr (is_task<std::decay_t<R>>::value) actor = current_init_actor();
  if constexpr (sizeof...(Args) == 1) {
    using arg = std::decay_t<caf::detail::tl_head_t<caf::detail::type_list<Args...>>>;
    if constexpr (is_message_v<arg>)
      if (stats) stats->handled.emplace_back(typeid(arg), message_name<arg>());
  }
  return [f = std::move(f), stats = std::move(stats), actor,
          caller](Args... args) mutable -> caf::result<answer> {
    caller_scope as{caller};
    std::optional<handler_actor_scope> coroutine;
    if constexpr (is_task<std::decay_t<R>>::value)
      coroutine.emplace(actor);
    else
      (void)actor;
    if (!stats) return run_guarded<R, answer>(f, std::forward<Args>(args)...);
    stats->calls.fetch_add(1, std::memory_order_relaxed);
    if (!stats->log_calls || !current_request().active())
      return run_guarded<R, answer>(f, std::forward<Args>(args)...);
    served_call call{
        stats.get(), operation_name<Args...>(), std::chrono::steady_clock::now(), false, {}};
    served_call_scope scope{&call};
    auto result = run_guarded<R, answer>(f, std::forward<Args>(args)...);
    log_handler_done(call, result.flag == caf::rt_error ? &result.err : nullptr,
                     result.flag == caf::rt_delegated);
    return result;
  };
}

template <class F>
auto guard_handlers(F f) {
  using trait = caf::detail::get_callable_trait<F>;
  auto plain =
      guard_handler<typename trait::result_type>(std::move(f), typename trait::arg_types{});
  if constexpr (trait::num_args == 1) {
    using arg = caf::detail::tl_head_t<typename trait::arg_types>;
    auto in_context = [plain](arg x, const request_context& ctx) mutable {
      request_scope scope{ctx};
      return plain(std::forward<arg>(x));
    };
    return std::make_tuple(std::move(plain), std::move(in_context));
  } else {
    return std::make_tuple(std::move(plain));
  }
}

}  // namespace detail

/// A behaviour made of `fs`, each guarded so that an exception becomes an error reply.
template <class... Fs>
caf::behavior handlers(Fs... fs) {
  return std::apply([](auto&&... hs) { return caf::behavior{std::move(hs)...}; },
                    std::tuple_cat(detail::guard_handlers(std::move(fs))...));
}

}  // namespace cleave
