// users: who may order. Kept in the component's store.
#include <caf/event_based_actor.hpp>

#include "actors/shop/ids.hpp"
#include "actors/shop/shop.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace shop {

namespace {

caf::error bad_field(const std::string& field, const std::string& why) {
  return cleave::make_error(cleave::errc::invalid_argument, "field \"" + field + "\": " + why);
}

caf::behavior users_impl(caf::event_based_actor*, const cleave::component_context& ctx) {
  auto st = ctx.state();
  return cleave::handlers(
      [st, ctx](const create_user& req) -> caf::result<user> {
        if (req.name.empty()) return bad_field("name", "empty");
        if (req.email.find('@') == std::string::npos)
          return bad_field("email", "not an address: \"" + req.email + "\"");
        user out{"", req.name, req.email};
        if (auto err = detail::insert_new(*st, ctx, "u", "users", out)) return err;
        return out;
      },
      [st](const get_user& req) -> caf::result<user> {
        auto found = st->get<user>("users", req.id);
        if (!found) return found.error();
        if (!*found)
          return cleave::make_error(cleave::errc::not_found, "no user \"" + req.id + "\"");
        return **found;
      });
}

}  // namespace

cleave::component users_component() {
  return cleave::component::make<create_user, get_user>("users", users_impl);
}

}  // namespace shop
