// The next id of a kind ("u1", "u2", ...), counted in the component's store in the transaction
// that stores the new record, so that a restart never hands out an id twice. A keyed replica
// (step 5) skips the ids other replicas own, so that calls keyed by the id reach the replica that
// holds the record, and no two replicas hand out the same id.
#pragma once

#include <string>

#include <caf/expected.hpp>

#include "runtime/component/context.hpp"
#include "runtime/core/message.hpp"
#include "runtime/state/state.hpp"

namespace shop::detail {

struct counter {
  int64_t next = 1;
};
CLEAVE_MESSAGE(counter, next)

inline caf::expected<std::string> next_id(cleave::state_view& tx, const std::string& prefix,
                                          const cleave::component_context& ctx) {
  auto found = tx.get<counter>("counters", prefix);
  if (!found) return std::move(found.error());
  auto c = found->value_or(counter{});
  std::string id;
  do {
    id = prefix + std::to_string(c.next++);
  } while (!ctx.owns_key(id));
  if (auto err = tx.put("counters", prefix, c)) return err;
  return id;
}

/// Stores `record` under a new id of `prefix` (set in `record.id`), in one transaction.
template <class T>
caf::error insert_new(cleave::state& st, const cleave::component_context& ctx,
                      const std::string& prefix, const std::string& collection, T& record) {
  return st.transact([&](cleave::state_view& tx) -> caf::error {
    auto id = next_id(tx, prefix, ctx);
    if (!id) return id.error();
    record.id = *id;
    return tx.put(collection, record.id, record);
  });
}

}  // namespace shop::detail
