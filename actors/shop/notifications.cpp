// notifications: one per order, from the "order-created" events, kept in the component's store
// under the order's id; an event delivered twice (a "nats" topic delivers at least once) is
// recognised by its id and leaves one notification.
#include <caf/event_based_actor.hpp>

#include "actors/shop/shop.hpp"
#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/state/state.hpp"

namespace shop {

namespace {

caf::behavior notifications_impl(caf::event_based_actor*, const cleave::component_context& ctx) {
  auto st = ctx.state();
  return cleave::handlers(
      [st](const order_created& e) -> caf::result<void> {
        notification n{
            e.order_id, e.user_id,
            "order " + e.order_id + ": " + std::to_string(e.quantity) + " x " + e.product_id};
        // An error has a "nats" topic deliver the event again; a second delivery changes nothing.
        auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
          auto first = cleave::first_delivery(tx, cleave::current_event_id());
          if (!first) return first.error();
          if (!*first) return caf::none;
          return tx.put("notifications", e.order_id, n);
        });
        if (err) return err;
        return caf::unit;
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
