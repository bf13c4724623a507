// A component instance's durable state (docs/state.md): values of CLEAVE_MESSAGE types by
// collection and key, in a store the placement gives the component ("state": "data/users.db",
// embedded SQLite). A write returns once it is committed, so a handler that answers after it
// never acknowledges what a crash could lose.
//
//   caf::behavior users_impl(caf::event_based_actor* self, const cleave::component_context& ctx) {
//     auto st = ctx.state();                        // fails the start if the placement gives none
//     return cleave::handlers(
//         [st](const add_user& req) -> caf::result<user> {
//           if (auto err = st->put("users", req.item.id, req.item)) return err;  // committed
//           return req.item;
//         },
//         [st](const get_user& req) -> caf::result<user> {
//           auto found = st->get<user>("users", req.id);    // expected<optional<user>>
//           if (!found) return found.error();
//           if (!*found) return cleave::make_error(cleave::errc::not_found, "no user " + req.id);
//           return **found;
//         });
//   }
//
// A read-modify-write (a stock reservation) runs in a transaction: no other writer of the store
// runs in between, and its writes are committed together or not at all:
//
//   auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
//     auto p = tx.get<product>("products", id);
//     if (!p) return p.error();
//     if (!*p || (*p)->stock < n) return cleave::make_error(cleave::errc::failed_precondition, "out
//     of stock");
//     (*p)->stock -= n;
//     return tx.put("products", id, **p);
//   });
//
// Errors: a write that certainly did not happen (disk full, the store busy beyond its wait) is
// errc::unavailable; a commit whose outcome the store cannot tell is errc::outcome_unknown; a
// stored value that no longer decodes as T is errc::internal naming collection and key.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/state/backend.hpp"

namespace cleave {

/// Typed reads and writes on a store; inside `state::transact`, on the open transaction.
class state_view {
 public:
  explicit state_view(state_backend& backend) : backend_(&backend) {}

  /// Runs `f` once this view's writes are committed: after the transaction's commit (not if it
  /// is rolled back), or at once outside a transaction.
  void after_commit(std::function<void()> f) {
    if (after_commit_ != nullptr)
      after_commit_->push_back(std::move(f));
    else
      f();
  }

  /// What the runtime runs after a commit that wrote events to the store's outbox
  /// (cleave::publish in a transaction, runtime/component/events.hpp): wakes the node's relay.
  const std::shared_ptr<const std::function<void()>>& outbox_listener() const {
    return outbox_listener_;
  }

  /// The value at (`collection`, `key`) decoded as T, or nullopt if there is none.
  template <class T>
  caf::expected<std::optional<T>> get(std::string_view collection, std::string_view key) {
    auto lock = guard();
    auto text = backend_->read(collection, key);
    lock = {};
    if (!text) return std::move(text.error());
    if (!*text) return std::optional<T>{};
    auto value = decode<T>(collection, key, **text);
    if (!value) return std::move(value.error());
    return std::optional<T>{std::move(*value)};
  }

  /// Sets the value at (`collection`, `key`); outside a transaction, returns once committed.
  template <class T>
  caf::error put(std::string_view collection, std::string_view key, const T& value) {
    static_assert(is_message_v<T>, "stored values must be declared with CLEAVE_MESSAGE");
    auto text = to_json_text(value);
    auto lock = guard();
    return backend_->write(collection, key, text);
  }

  /// Removes the value at (`collection`, `key`); true if there was one.
  caf::expected<bool> erase(std::string_view collection, std::string_view key) {
    auto lock = guard();
    return backend_->remove(collection, key);
  }

  /// Every (key, value) of `collection`, in key order.
  template <class T>
  caf::expected<std::vector<std::pair<std::string, T>>> list(std::string_view collection) {
    auto lock = guard();
    auto rows = backend_->scan(collection);
    lock = {};
    if (!rows) return std::move(rows.error());
    std::vector<std::pair<std::string, T>> out;
    out.reserve(rows->size());
    for (auto& [key, text] : *rows) {
      auto value = decode<T>(collection, key, text);
      if (!value) return std::move(value.error());
      out.emplace_back(std::move(key), std::move(*value));
    }
    return out;
  }

 protected:
  state_backend& backend() { return *backend_; }

 private:
  template <class T>
  static caf::expected<T> decode(std::string_view collection, std::string_view key,
                                 const std::string& text) {
    static_assert(is_message_v<T>, "stored values must be declared with CLEAVE_MESSAGE");
    auto value = from_json_text<T>(text);
    if (!value)
      return make_error(errc::internal, "state " + std::string{collection} + "/" +
                                            std::string{key} +
                                            " does not decode: " + what(value.error()));
    return value;
  }

  friend class state;

  /// Holds the store's lock for one operation outside a transaction (none inside one: the
  /// transaction holds it).
  std::unique_lock<std::recursive_mutex> guard() const {
    return lock_ != nullptr ? std::unique_lock<std::recursive_mutex>{*lock_}
                            : std::unique_lock<std::recursive_mutex>{};
  }

  state_backend* backend_;
  /// The store's lock, outside a transaction: the node's event relay uses the store from its own
  /// thread (a second connection would wait for SQLite's lock in sleeps of 1 to 100 ms).
  std::recursive_mutex* lock_ = nullptr;
  /// Inside a transaction: what runs after its commit.
  std::vector<std::function<void()>>* after_commit_ = nullptr;
  std::shared_ptr<const std::function<void()>> outbox_listener_;
};

/// A component instance's store: state_view's operations, each committed on its own, and
/// transactions. Safe to use from several threads: one operation or transaction at a time.
class state : public state_view {
 public:
  explicit state(std::unique_ptr<state_backend> backend)
      : state_view(*backend), owned_(std::move(backend)) {
    lock_ = &mutex_;
  }
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  /// Runs `f` in a transaction. When `f` returns caf::none its writes are committed together
  /// and this returns once they are durable; when it returns an error (or throws: errc::internal)
  /// they are dropped and the error is returned.
  caf::error transact(const std::function<caf::error(state_view&)>& f);

  /// Set by the node before the component starts: see outbox_listener().
  void set_outbox_listener(std::function<void()> f) {
    outbox_listener_ = std::make_shared<const std::function<void()>>(std::move(f));
  }

 private:
  std::unique_ptr<state_backend> owned_;
  std::recursive_mutex mutex_;
};

/// Opens (creating it and its folders if need be) the SQLite store at `path`. Fails with
/// errc::unavailable naming the path and the reason: a folder that cannot be made or written, a
/// file that is not a database.
caf::expected<std::unique_ptr<state>> open_state(const std::string& path);

}  // namespace cleave
