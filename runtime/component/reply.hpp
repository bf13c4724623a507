// Reply handles: the part of a request that says where its answer goes.
//
// Every request carries its reply handle. A handler answers now by returning a value; to answer
// later it takes the handle over, keeps it (or puts it into a message for another component, on any
// node) and returns it; whoever holds it answers the original caller directly:
//
//   [=](const get_item& req) -> cleave::reply_handle<item> {
//     auto reply = cleave::reply_later<item>(self);
//     cleave::send(self, "item-loader", load_item{req.id, reply});   // the loader answers
//     return reply;
//   }
//   ...   // in the loader:  msg.reply.deliver(found);  or  msg.reply.deliver(error);
//
// The caller's deadline still bounds the wait: a handle that is never answered makes the call fail
// with deadline_exceeded, never hang. Answering twice is harmless (the second answer is dropped).
// With "defaults.log_calls", the call is logged when the handle is answered, with that answer.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/delegated.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/result.hpp>

#include "runtime/component/detail/served_call.hpp"

namespace cleave {

namespace detail {

/// Sends `msg` as the answer to request `request_id` of `to`, through `stages` if any.
void deliver_reply(const caf::strong_actor_ptr& to, uint64_t request_id,
                   const std::vector<caf::strong_actor_ptr>& stages, caf::message msg);

}  // namespace detail

/// Where the answer to one request goes; `T` is the request's response type (void for none).
/// Copyable, and serializable so that it can travel inside messages to other nodes.
template <class T>
class reply_handle {
 public:
  reply_handle() = default;

  reply_handle(caf::strong_actor_ptr to, uint64_t request_id,
               std::vector<caf::strong_actor_ptr> stages, detail::deferred_call_log log = {})
      : to_(std::move(to)),
        request_id_(request_id),
        stages_(std::move(stages)),
        log_(std::move(log)) {}

  /// False for a default-constructed handle or one taken from a message that was not a request.
  bool valid() const { return to_ != nullptr || !stages_.empty(); }

  /// Answers the caller with `value`.
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  void deliver(U value) const {
    detail::log_answered(log_, nullptr);
    detail::deliver_reply(to_, request_id_, stages_, caf::make_message(std::move(value)));
  }

  /// Answers a caller that expects no value.
  template <class U = T, class = std::enable_if_t<std::is_void_v<U>>>
  void deliver() const {
    detail::log_answered(log_, nullptr);
    detail::deliver_reply(to_, request_id_, stages_, caf::make_message());
  }

  /// Fails the call with `err`.
  void deliver(caf::error err) const {
    detail::log_answered(log_, &err);
    detail::deliver_reply(to_, request_id_, stages_, caf::make_message(std::move(err)));
  }

  /// Answers with the value or the error in `x`.
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  void deliver(caf::expected<U> x) const {
    if (x)
      deliver(std::move(*x));
    else
      deliver(std::move(x.error()));
  }

  /// Lets a handler whose result is `caf::result<T>` return the handle: "answered later".
  operator caf::result<T>() const { return caf::delegated<T>{}; }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, reply_handle& x) {
    return f(caf::meta::type_name("cleave::reply_handle"), x.to_, x.request_id_, x.stages_, x.log_);
  }

 private:
  caf::strong_actor_ptr to_;
  uint64_t request_id_ = 0;
  std::vector<caf::strong_actor_ptr> stages_;
  /// With "defaults.log_calls": the served call, logged when answered.
  detail::deferred_call_log log_;
};

/// Takes over the reply handle of the request `self` is handling now: CAF will not answer it when
/// the handler returns; the returned handle must. Call it from within a handler.
template <class T, class Self>
reply_handle<T> reply_later(Self* self) {
  auto promise = self->make_response_promise();
  return {promise.source(), promise.id().integer_value(), promise.stages(),
          detail::defer_served_call()};
}

}  // namespace cleave
