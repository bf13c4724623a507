#include "apps/banano/driver.hpp"

#include "actors/thingey/thingey.hpp"
#include "runtime/component/client.hpp"
#include "runtime/core/console.hpp"
#include "runtime/core/error.hpp"

namespace banano {

namespace {

constexpr const char* repo = "thingey-repo";

/// Adds which step failed to a call's error.
caf::error step_failed(const char* step, const caf::error& err) {
  return cleave::make_error(cleave::errc::internal,
                            std::string{step} + " failed: " + cleave::describe(err));
}

caf::error run_scenario(cleave::client& c, const cleave::component_context&) {
  using namespace thingey;
  cleave::say("Starting..");
  auto created = c.call(repo, create_thingey{{"d1", "the first thingey"}});
  if (!created) return step_failed("create", created.error());
  cleave::say("Created " + created->id);
  auto got = c.call(repo, get_thingey{"d1"});
  if (!got) return step_failed("get", got.error());
  cleave::say("Got " + got->id);
  auto listed = c.call(repo, list_thingeys{});
  if (!listed) return step_failed("list", listed.error());
  cleave::say("Listed " + std::to_string(listed->items.size()) + " items");
  auto deleted = c.call(repo, delete_thingey{"d1"});
  if (!deleted) return step_failed("delete", deleted.error());
  cleave::say("Deleted " + deleted->id);
  auto relisted = c.call(repo, list_thingeys{});
  if (!relisted) return step_failed("list", relisted.error());
  cleave::say("Listed " + std::to_string(relisted->items.size()) + " items");
  return caf::none;
}

}  // namespace

cleave::component driver_component() {
  return cleave::component::driver("banano-driver", run_scenario);
}

}  // namespace banano
