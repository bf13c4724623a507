#include "runtime/component/events.hpp"

namespace cleave {

namespace {

/// The mark first_delivery() leaves.
struct delivered {};
CLEAVE_MESSAGE(delivered)

}  // namespace

caf::expected<bool> first_delivery(state_view& tx, const std::string& id) {
  auto seen = tx.get<delivered>("cleave.delivered", id);
  if (!seen) return std::move(seen.error());
  if (*seen) return false;
  if (auto err = tx.put("cleave.delivered", id, delivered{})) return err;
  return true;
}

}  // namespace cleave
