// Shop: users, products, orders and notifications behind one gateway (actors/shop). The
// placement says which node runs what and where each component keeps its data.
#include "actors/shop/shop.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  cleave::routes r;
  r.add<shop::create_user>("POST", "/users", "users", cleave::created_at("/users/{id}"));
  r.add<shop::get_user>("GET", "/users/{id}", "users");
  r.add<shop::create_product>("POST", "/products", "products",
                              cleave::created_at("/products/{id}"));
  r.add<shop::get_product>("GET", "/products/{product_id}", "products");
  r.add<shop::place_order>("POST", "/orders", "orders", cleave::created_at("/orders/{id}"));
  r.add<shop::get_order>("GET", "/orders/{id}", "orders");
  r.add<shop::get_notifications>("GET", "/notifications", "notifications");  // ?user=ID
  cleave::app app{"shop"};
  for (auto& c : shop::components()) app.add(std::move(c));
  return app.add(cleave::gateway_component(std::move(r))).main(argc, argv);
}
