// Shop: users, products (with stock), orders and notifications, each a component with its own
// durable store (docs/state.md); an order publishes "order-created" (docs/events.md). The
// system teams split: issue 13 takes it through the five steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace shop {

// -- users ----------------------------------------------------------------------------------------

struct user {
  std::string id;
  std::string name;
  std::string email;
};
CLEAVE_MESSAGE(user, id, name, email)

struct create_user {
  std::string name;
  std::string email;
  using response = user;
};
CLEAVE_MESSAGE(create_user, name, email)

struct get_user {
  std::string id;
  using response = user;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(get_user, id)

// -- products -------------------------------------------------------------------------------------

struct product {
  std::string id;
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;
};
CLEAVE_MESSAGE(product, id, name, price_cents, stock)

struct create_product {
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;
  using response = product;
};
CLEAVE_MESSAGE(create_product, name, price_cents, stock)

/// Named product_id, as in the stock requests, so that one "route_by" keys them all (step 5).
struct get_product {
  std::string product_id;
  using response = product;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(get_product, product_id)

/// Takes `quantity` of the product's stock for order `order_id`: failed_precondition (409) when
/// there is not enough, or when the order was released. Idempotent: a second reservation for the
/// same order changes nothing.
struct reserve_stock {
  std::string product_id;
  int64_t quantity = 0;
  std::string order_id;
  using response = product;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(reserve_stock, product_id, quantity, order_id)

/// Gives back what order `order_id` reserved; if it reserved nothing yet, its reservation is
/// refused when it comes. Idempotent.
struct release_stock {
  std::string product_id;
  std::string order_id;
  using response = product;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(release_stock, product_id, order_id)

// -- orders ---------------------------------------------------------------------------------------

struct order {
  std::string id;
  std::string user_id;
  std::string product_id;
  int64_t quantity = 0;
  int64_t total_cents = 0;
};
CLEAVE_MESSAGE(order, id, user_id, product_id, quantity, total_cents)

/// Checks the user, reserves the stock, stores the order and publishes "order-created".
struct place_order {
  std::string user_id;
  std::string product_id;
  int64_t quantity = 0;
  using response = order;
};
CLEAVE_MESSAGE(place_order, user_id, product_id, quantity)

struct get_order {
  std::string id;
  using response = order;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(get_order, id)

/// Releases the stock of orders that were begun but neither stored nor given up, because the
/// orders node stopped (kill -9) in between. An orders instance sends it to itself when it
/// starts and while any remain; idempotent.
struct release_abandoned_orders {};
CLEAVE_MESSAGE(release_abandoned_orders)

/// The event on topic "order-created".
struct order_created {
  std::string order_id;
  std::string user_id;
  std::string product_id;
  int64_t quantity = 0;
};
CLEAVE_MESSAGE(order_created, order_id, user_id, product_id, quantity)

// -- notifications --------------------------------------------------------------------------------

struct notification {
  std::string order_id;
  std::string user_id;
  std::string text;
};
CLEAVE_MESSAGE(notification, order_id, user_id, text)

struct notification_list {
  std::vector<notification> items;
};
CLEAVE_MESSAGE(notification_list, items)

struct get_notifications {
  std::string user;
  using response = notification_list;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(get_notifications, user)

/// The topic orders publish to.
inline constexpr const char* order_created_topic = "order-created";

cleave::component users_component();          // "users"
cleave::component products_component();       // "products"
cleave::component orders_component();         // "orders"
cleave::component notifications_component();  // "notifications"

/// All four.
std::vector<cleave::component> components();

}  // namespace shop
