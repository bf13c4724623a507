// notifications: one per order, from the "order-created" events, kept in the component's store
// under the order's id (an event delivered twice leaves one notification).
#include <caf/event_based_actor.hpp>

#include "actors/shop/shop.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/state/state.hpp"

namespace shop {

namespace {

caf::behavior notifications_impl(caf::event_based_actor*, const cleave::component_context& ctx) {
  auto st = ctx.state();
  return cleave::handlers(
      [st, node = ctx.node()](const order_created& e) {
        notification n{
            e.order_id, e.user_id,
            "order " + e.order_id + ": " + std::to_string(e.quantity) + " x " + e.product_id};
        if (auto err = st->put("notifications", e.order_id, n))
          cleave::log("error", node, "notification not stored",
                      {{"order", e.order_id}, {"error", cleave::describe(err)}});
      },
      [st](const get_notifications& req) -> caf::result<notification_list> {
        auto all = st->list<notification>("notifications");
        if (!all) return all.error();
        notification_list out;
        for (auto& [key, n] : *all)
          if (n.user_id == req.user) out.items.push_back(std::move(n));
        return out;
      });
}

}  // namespace

cleave::component notifications_component() {
  return cleave::component::make<order_created, get_notifications>("notifications",
                                                                   notifications_impl)
      .subscribe<order_created>(order_created_topic);
}

std::vector<cleave::component> components() {
  return {users_component(), products_component(), orders_component(), notifications_component()};
}

}  // namespace shop
