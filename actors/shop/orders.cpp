// orders: checks the user, reserves the stock, stores the order and publishes "order-created".
// The order's id is allocated first, so that its reservation is recorded under it: a reservation
// whose outcome is unknown, or an order that cannot be stored, is released by that id
// (release_stock is idempotent), and no stock is lost or taken twice.
#include <caf/event_based_actor.hpp>

#include "actors/shop/ids.hpp"
#include "actors/shop/shop.hpp"
#include "runtime/component/call.hpp"
#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/error.hpp"

namespace shop {

namespace {

/// True if the products component certainly did not reserve anything (it said no).
bool certainly_not_reserved(const caf::error& err) {
  using cleave::errc;
  return cleave::is(err, errc::not_found) || cleave::is(err, errc::failed_precondition) ||
         cleave::is(err, errc::invalid_argument) || cleave::is(err, errc::unavailable);
}

caf::behavior orders_impl(caf::event_based_actor* self, const cleave::component_context& ctx) {
  auto st = ctx.state();
  return cleave::handlers(
      [self, st](place_order req) -> cleave::task<order> {
        if (req.quantity <= 0)
          co_return cleave::make_error(cleave::errc::invalid_argument,
                                       "field \"quantity\": must be at least 1");
        auto u = co_await cleave::call(self, "users", get_user{req.user_id});
        if (!u) co_return u.error();
        std::string id;
        auto allocated = st->transact([&](cleave::state_view& tx) -> caf::error {
          auto next = detail::next_id(tx, "o");
          if (!next) return next.error();
          id = *next;
          return caf::none;
        });
        if (allocated) co_return allocated;
        auto p = co_await cleave::call(self, "products",
                                       reserve_stock{req.product_id, req.quantity, id});
        if (!p) {
          if (!certainly_not_reserved(p.error()))
            cleave::send(self, "products", release_stock{req.product_id, id});
          co_return p.error();
        }
        order o{id, req.user_id, req.product_id, req.quantity, req.quantity * p->price_cents};
        if (auto err = st->put("orders", id, o)) {
          cleave::send(self, "products", release_stock{req.product_id, id});
          co_return err;
        }
        cleave::publish(self, order_created_topic,
                        order_created{o.id, o.user_id, o.product_id, o.quantity});
        co_return o;
      },
      [st](const get_order& req) -> caf::result<order> {
        auto found = st->get<order>("orders", req.id);
        if (!found) return found.error();
        if (!*found)
          return cleave::make_error(cleave::errc::not_found, "no order \"" + req.id + "\"");
        return **found;
      });
}

}  // namespace

cleave::component orders_component() {
  auto c = cleave::component::make<place_order, get_order>("orders", orders_impl);
  c.calls({"users", "products"});
  return c;
}

}  // namespace shop
