// What a state store does, whatever keeps the data: JSON text by (collection, key), and
// transactions. Embedded SQLite is the one backend today (sqlite_backend.hpp); another (a
// PostgreSQL table, say) implements this interface, and components do not change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace cleave {

class state_backend {
 public:
  virtual ~state_backend() = default;

  /// The value at (`collection`, `key`), or nullopt if there is none.
  virtual caf::expected<std::optional<std::string>> read(std::string_view collection,
                                                         std::string_view key) = 0;

  /// Sets the value at (`collection`, `key`). Outside a transaction it returns once the write is
  /// committed (durable as the backend promises; docs/state.md).
  virtual caf::error write(std::string_view collection, std::string_view key,
                           std::string_view json) = 0;

  /// Removes the value at (`collection`, `key`); true if there was one.
  virtual caf::expected<bool> remove(std::string_view collection, std::string_view key) = 0;

  /// Every (key, value) of `collection`, in key order.
  virtual caf::expected<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view collection) = 0;

  /// Starts a transaction that will write: no other writer runs until commit or rollback.
  virtual caf::error begin() = 0;
  /// Makes the transaction's writes durable; returns once they are.
  virtual caf::error commit() = 0;
  /// Drops the transaction's writes.
  virtual void rollback() = 0;
};

}  // namespace cleave
