#include "runtime/component/detail/directory.hpp"

#include <mutex>

#include <caf/event_based_actor.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>

#include "runtime/core/error.hpp"

namespace cleave::detail {

void directory::add(const std::string& name, caf::actor handle) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  entries_[name] = std::move(handle);
}

caf::actor directory::resolve(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  auto i = entries_.find(name);
  return i != entries_.end() ? i->second : fallback_;
}

bool directory::contains(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  return entries_.count(name) > 0;
}

void directory::set_fallback(caf::actor handle) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  fallback_ = std::move(handle);
}

void directory::clear() {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  entries_.clear();
  fallback_ = nullptr;
}

const runtime_config* runtime_of(const caf::actor_system& sys) {
  return dynamic_cast<const runtime_config*>(&sys.config());
}

caf::actor resolve(caf::actor_system& sys, const std::string& name) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->components->resolve(name) : caf::actor{};
}

bool is_known(const caf::actor_system& sys, const std::string& name) {
  auto* rt = runtime_of(sys);
  return rt != nullptr && rt->components->contains(name);
}

caf::timespan default_timeout(const caf::actor_system& sys) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->default_timeout : caf::timespan{std::chrono::seconds(2)};
}

caf::actor spawn_unknown_component_responder(caf::actor_system& sys) {
  return sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    // The caller names the component in the error it reports; this actor cannot know the name.
    self->set_default_handler(
        [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
          return make_error(errc::unknown_component, unknown_component_text);
        });
    return {[](caf::unit_t) {
    }};
  });
}

}  // namespace cleave::detail
