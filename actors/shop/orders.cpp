// orders: checks the user, reserves the stock, stores the order and publishes "order-created".
// The order's id is allocated first, together with a "pending" record naming its product, so
// that its reservation is recorded under it: a reservation whose outcome is unknown, or an order
// that cannot be stored, is released by that id (release_stock is idempotent). The order, the
// end of its pending record and its event (in the store's outbox) are one transaction. An instance
// that starts (after kill -9) releases what its pending records name, so no stock is lost or taken
// twice.
#include <chrono>
#include <memory>
#include <set>

#include <caf/event_based_actor.hpp>

#include "actors/shop/ids.hpp"
#include "actors/shop/shop.hpp"
#include "runtime/component/call.hpp"
#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"

namespace shop {

/// An order begun and not yet stored or given up (kept under its id).
struct pending_order {
  std::string product_id;
};
CLEAVE_MESSAGE(pending_order, product_id)

namespace {

using namespace std::chrono_literals;

/// How long an instance waits before it tries again to release abandoned orders.
constexpr auto release_retry = 1s;

/// True if the products component certainly did not reserve anything (it said no).
bool certainly_not_reserved(const caf::error& err) {
  using cleave::errc;
  return cleave::is(err, errc::not_found) || cleave::is(err, errc::failed_precondition) ||
         cleave::is(err, errc::invalid_argument) || cleave::is(err, errc::unavailable);
}

caf::behavior orders_impl(caf::event_based_actor* self, const cleave::component_context& ctx) {
  auto st = ctx.state();
  // The orders this instance is placing now: their pending records are not abandoned.
  auto in_flight = std::make_shared<std::set<std::string>>();
  // Ends order `id`'s pending record once products confirmed its release; else tries again soon.
  auto release = [self, st, node = ctx.node()](std::string id, std::string product_id) {
    cleave::call(self, "products", release_stock{product_id, id})
        .then(
            [st, id, node](const product&) {
              if (auto done = st->erase("pending", id); !done)
                cleave::log("error", node, "pending order not cleared",
                            {{"order", id}, {"error", cleave::describe(done.error())}});
            },
            [self, id, node](const caf::error& err) {
              cleave::log("warning", node, "stock not released yet",
                          {{"order", id}, {"error", cleave::describe(err)}});
              self->delayed_send(self, release_retry, release_abandoned_orders{});
            });
  };
  self->send(self, release_abandoned_orders{});
  return cleave::handlers(
      [self, st, ctx, in_flight, release](place_order req) -> cleave::task<order> {
        if (req.quantity <= 0)
          co_return cleave::make_error(cleave::errc::invalid_argument,
                                       "field \"quantity\": must be at least 1");
        auto u = co_await cleave::call(self, "users", get_user{req.user_id});
        if (!u) co_return u.error();
        std::string id;
        auto begun = st->transact([&](cleave::state_view& tx) -> caf::error {
          auto next = detail::next_id(tx, "o", ctx);
          if (!next) return next.error();
          id = *next;
          return tx.put("pending", id, pending_order{req.product_id});
        });
        if (begun) co_return begun;
        in_flight->insert(id);
        auto p = co_await cleave::call(self, "products",
                                       reserve_stock{req.product_id, req.quantity, id});
        in_flight->erase(id);
        if (!p) {
          if (certainly_not_reserved(p.error()))
            (void)st->erase("pending", id);  // if this fails, a later release finds nothing
          else
            release(id, req.product_id);
          co_return p.error();
        }
        order o{id, req.user_id, req.product_id, req.quantity, req.quantity * p->price_cents};
        // The order, the end of its pending record and its event commit together.
        auto stored = st->transact([&](cleave::state_view& tx) -> caf::error {
          if (auto err = tx.put("orders", id, o)) return err;
          auto done = tx.erase("pending", id);
          if (!done) return done.error();
          return cleave::publish(tx, order_created_topic,
                                 order_created{o.id, o.user_id, o.product_id, o.quantity},
                                 "order-created/" + id);
        });
        if (stored) {
          release(id, req.product_id);
          co_return stored;
        }
        co_return o;
      },
      [st](const get_order& req) -> caf::result<order> {
        auto found = st->get<order>("orders", req.id);
        if (!found) return found.error();
        if (!*found)
          return cleave::make_error(cleave::errc::not_found, "no order \"" + req.id + "\"");
        return **found;
      },
      [self, st, in_flight, release](const release_abandoned_orders&) {
        auto pending = st->list<pending_order>("pending");
        if (!pending) {
          self->delayed_send(self, release_retry, release_abandoned_orders{});
          return;
        }
        for (auto& [id, p] : *pending)
          if (in_flight->count(id) == 0) release(id, p.product_id);
      });
}

}  // namespace

cleave::component orders_component() {
  auto c = cleave::component::make<place_order, get_order, release_abandoned_orders>("orders",
                                                                                     orders_impl);
  c.calls({"users", "products"});
  return c;
}

}  // namespace shop
