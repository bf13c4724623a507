// thingey-repo: the repository callers use. It checks requests and keeps records in
// "thingey-store", wherever the placement puts it.
#include <caf/event_based_actor.hpp>

#include "actors/thingey/thingey.hpp"
#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/error.hpp"

namespace thingey {

namespace {

constexpr const char* store_name = "thingey-store";

constexpr const char* audit_name = "thingey-audit";

caf::error invalid_id() {
  return cleave::make_error(cleave::errc::invalid_argument, "a thingey needs a non-empty id");
}

caf::behavior repo(caf::event_based_actor* self, const cleave::component_context&) {
  // A successful change is told to the audit trail, one-way: the caller does not wait for it.
  auto audit = [self](const caf::expected<thingey>& changed, const char* op) {
    if (changed) cleave::send(self, audit_name, audit_event{op, changed->id});
  };
  return cleave::handlers(
      [=](create_thingey req) -> cleave::task<thingey> {
        if (req.item.id.empty()) co_return invalid_id();
        auto created = co_await cleave::call(self, store_name, store_insert{req.item});
        audit(created, "created");
        co_return created;
      },
      // The store answers the caller directly: nothing to add on the way back.
      [=](const get_thingey& req) -> caf::result<thingey> {
        if (req.id.empty()) return invalid_id();
        return cleave::delegate(self, store_name, store_find{req.id});
      },
      // Called, not delegated: with the store keyed over replicas, the call asks each of them.
      [=](list_thingeys) -> cleave::task<thingey_list> {
        co_return co_await cleave::call(self, store_name, store_list{});
      },
      [=](delete_thingey req) -> cleave::task<thingey> {
        if (req.id.empty()) co_return invalid_id();
        auto deleted = co_await cleave::call(self, store_name, store_erase{req.id});
        audit(deleted, "deleted");
        co_return deleted;
      });
}

}  // namespace

cleave::component repo_component() {
  auto c = cleave::component::make<create_thingey, get_thingey, list_thingeys, delete_thingey>(
      "thingey-repo", repo);
  c.calls({store_name, audit_name});
  return c;
}

}  // namespace thingey
