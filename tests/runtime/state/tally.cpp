#include "tests/runtime/state/tally.hpp"

#include <caf/event_based_actor.hpp>

#include "runtime/component/handlers.hpp"
#include "runtime/state/state.hpp"

namespace state_test {

cleave::component tally_component() {
  return cleave::component::make<bump>(
      "tally", [](caf::event_based_actor*, const cleave::component_context& ctx) {
        auto st = ctx.state();
        return cleave::handlers([st](const bump& req) -> caf::result<item> {
          item out;
          auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
            auto found = tx.get<item>("tallies", req.id);
            if (!found) return found.error();
            out = found->value_or(item{req.id, 0});
            out.count += req.by;
            return tx.put("tallies", req.id, out);
          });
          if (err) return err;
          return out;
        });
      });
}

}  // namespace state_test
