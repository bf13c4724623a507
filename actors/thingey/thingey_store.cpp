// thingey-store: an in-memory map of thingeys.
#include <map>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/thingey/thingey.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace thingey {

namespace {

constexpr int64_t default_capacity = 10000;

struct store_state {
  std::map<std::string, thingey> items;
  int64_t capacity = default_capacity;
};

caf::error no_such(const std::string& id) {
  return cleave::make_error(cleave::errc::not_found, "no thingey \"" + id + "\"");
}

caf::behavior store(caf::stateful_actor<store_state>* self, const cleave::component_context& ctx) {
  auto config = ctx.config_as<store_config>();
  if (!config) throw std::invalid_argument(cleave::describe(config.error()));
  if (config->capacity) {
    if (*config->capacity <= 0) throw std::invalid_argument("config.capacity must be positive");
    self->state.capacity = *config->capacity;
  }
  return cleave::handlers(
      [=](const store_insert& req) -> caf::result<thingey> {
        auto& items = self->state.items;
        if (items.count(req.item.id) > 0)
          return cleave::make_error(cleave::errc::already_exists,
                                    "thingey \"" + req.item.id + "\" exists already");
        if (static_cast<int64_t>(items.size()) >= self->state.capacity)
          return cleave::make_error(cleave::errc::invalid_argument, "the store is full");
        items.emplace(req.item.id, req.item);
        return req.item;
      },
      [=](const store_find& req) -> caf::result<thingey> {
        auto i = self->state.items.find(req.id);
        if (i == self->state.items.end()) return no_such(req.id);
        return i->second;
      },
      [=](const store_list&) {
        thingey_list out;
        for (const auto& kv : self->state.items) out.items.push_back(kv.second);
        return out;
      },
      [=](const store_erase& req) -> caf::result<thingey> {
        auto i = self->state.items.find(req.id);
        if (i == self->state.items.end()) return no_such(req.id);
        auto out = std::move(i->second);
        self->state.items.erase(i);
        return out;
      });
}

}  // namespace

cleave::component store_component() {
  return cleave::component::make<store_insert, store_find, store_list, store_erase>("thingey-store",
                                                                                    store);
}

}  // namespace thingey
