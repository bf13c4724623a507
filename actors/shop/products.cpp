// products: the catalogue and its stock. A reservation is recorded under its order's id in the
// same transaction that takes the stock, so that a retried reservation (or release) changes
// nothing the second time, and a release is recorded even when it comes first, so that a late
// reservation of a cancelled order is refused.
#include <caf/event_based_actor.hpp>

#include "actors/shop/ids.hpp"
#include "actors/shop/shop.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace shop {

/// What an order took from a product's stock (kept under the order's id).
struct reservation {
  std::string product_id;
  int64_t quantity = 0;
  bool released = false;
};
CLEAVE_MESSAGE(reservation, product_id, quantity, released)

namespace {

caf::error no_product(const std::string& id) {
  return cleave::make_error(cleave::errc::not_found, "no product \"" + id + "\"");
}

/// The product `id` inside `tx`, or not_found.
caf::expected<product> product_in(cleave::state_view& tx, const std::string& id) {
  auto found = tx.get<product>("products", id);
  if (!found) return std::move(found.error());
  if (!*found) return no_product(id);
  return std::move(**found);
}

caf::behavior products_impl(caf::event_based_actor*, const cleave::component_context& ctx) {
  auto st = ctx.state();
  return cleave::handlers(
      [st, ctx](const create_product& req) -> caf::result<product> {
        if (req.name.empty())
          return cleave::make_error(cleave::errc::invalid_argument, "field \"name\": empty");
        if (req.price_cents < 0 || req.stock < 0)
          return cleave::make_error(
              cleave::errc::invalid_argument,
              std::string{"field \""} + (req.stock < 0 ? "stock" : "price_cents") + "\": negative");
        product out{"", req.name, req.price_cents, req.stock};
        if (auto err = detail::insert_new(*st, ctx, "p", "products", out)) return err;
        return out;
      },
      [st](const get_product& req) -> caf::result<product> {
        auto found = product_in(*st, req.product_id);
        if (!found) return found.error();
        return std::move(*found);
      },
      [st](const reserve_stock& req) -> caf::result<product> {
        if (req.quantity <= 0)
          return cleave::make_error(cleave::errc::invalid_argument,
                                    "field \"quantity\": must be at least 1");
        product out;
        auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
          auto p = product_in(tx, req.product_id);
          if (!p) return p.error();
          out = *p;
          auto done = tx.get<reservation>("reservations", req.order_id);
          if (!done) return done.error();
          if (*done && (*done)->released)
            return cleave::make_error(cleave::errc::failed_precondition,
                                      "order \"" + req.order_id + "\" was cancelled");
          if (*done) return caf::none;  // reserved before: a retry
          if (p->stock < req.quantity)
            return cleave::make_error(cleave::errc::failed_precondition,
                                      "out of stock: product \"" + p->id + "\" has " +
                                          std::to_string(p->stock) + ", " +
                                          std::to_string(req.quantity) + " asked for");
          out.stock -= req.quantity;
          if (auto e = tx.put("products", out.id, out)) return e;
          return tx.put("reservations", req.order_id,
                        reservation{req.product_id, req.quantity, false});
        });
        if (err) return err;
        return out;
      },
      [st](const release_stock& req) -> caf::result<product> {
        product out;
        auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
          auto p = product_in(tx, req.product_id);
          if (!p) return p.error();
          out = *p;
          auto r = tx.get<reservation>("reservations", req.order_id);
          if (!r) return r.error();
          if (*r && (*r)->released) return caf::none;  // released before: a retry
          // Nothing reserved yet: a release that overtook its reservation (sent by an orders
          // node that restarted) leaves a mark that refuses the reservation when it comes.
          if (!*r)
            return tx.put("reservations", req.order_id, reservation{req.product_id, 0, true});
          out.stock += (*r)->quantity;
          (*r)->released = true;
          if (auto e = tx.put("products", out.id, out)) return e;
          return tx.put("reservations", req.order_id, **r);
        });
        if (err) return err;
        return out;
      });
}

}  // namespace

cleave::component products_component() {
  return cleave::component::make<create_product, get_product, reserve_stock, release_stock>(
      "products", products_impl);
}

}  // namespace shop
