// thingey-repo: the repository callers use. It checks requests and keeps records in
// "thingey-store", wherever the placement puts it.
#include <caf/event_based_actor.hpp>

#include "actors/thingey/thingey.hpp"
#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace thingey {

namespace {

constexpr const char* store_name = "thingey-store";

constexpr const char* audit_name = "thingey-audit";

/// Takes over the current request and answers it with what the store answers to `req`; a
/// successful change is told to the audit trail (`audit_op`, if not empty).
template <class Request>
cleave::reply_handle<cleave::response_t<Request>> ask_store(caf::event_based_actor* self,
                                                            Request req,
                                                            std::string audit_op = {}) {
  auto reply = cleave::reply_later<cleave::response_t<Request>>(self);
  cleave::call(self, store_name, std::move(req))
      .then(
          [self, reply, audit_op](cleave::response_t<Request>& x) {
            if constexpr (std::is_same_v<cleave::response_t<Request>, thingey>) {
              if (!audit_op.empty()) cleave::send(self, audit_name, audit_event{audit_op, x.id});
            } else {
              (void)self;  // only changes of one record are audited
            }
            reply.deliver(std::move(x));
          },
          [reply](const caf::error& err) { reply.deliver(err); });
  return reply;
}

caf::error invalid_id() {
  return cleave::make_error(cleave::errc::invalid_argument, "a thingey needs a non-empty id");
}

caf::behavior repo(caf::event_based_actor* self, const cleave::component_context&) {
  return cleave::handlers(
      [=](const create_thingey& req) -> caf::result<thingey> {
        if (req.item.id.empty()) return invalid_id();
        return ask_store(self, store_insert{req.item}, "created");
      },
      // The store answers the caller directly: nothing to add on the way back.
      [=](const get_thingey& req) -> caf::result<thingey> {
        if (req.id.empty()) return invalid_id();
        return cleave::delegate(self, store_name, store_find{req.id});
      },
      [=](const list_thingeys&) { return ask_store(self, store_list{}); },
      [=](const delete_thingey& req) -> caf::result<thingey> {
        if (req.id.empty()) return invalid_id();
        return ask_store(self, store_erase{req.id}, "deleted");
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
