#include "runtime/component/detail/directory.hpp"

#include "runtime/component/detail/call_deadlines.hpp"
#include "runtime/component/detail/guarded_actor.hpp"

#include <algorithm>
#include <mutex>
#include <typeinfo>

#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"

namespace cleave::detail {

namespace {

thread_local std::shared_ptr<component_stats> init_stats;
thread_local caf::local_actor* init_actor = nullptr;
thread_local caf::local_actor* handler_actor = nullptr;

}  // namespace

void directory::add(const std::string& name, directory_entry entry) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  entries_[name] = std::move(entry);
}

directory_entry directory::resolve(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  auto i = entries_.find(name);
  if (i != entries_.end()) return i->second;
  directory_entry out;
  out.handle = fallback_;
  return out;
}

namespace {

/// A call to member `m` of `set`: counted as outstanding only where least-outstanding reads it.
call_target target_of(const replica_set& set, const replica_member& m) {
  if (m.sent) m.sent->inc();
  auto link = m.link ? m.link->get() : remote_link::view{};
  const remote_link* tag = link.remote ? m.link.get() : nullptr;
  call_target out{m.handle, m.forwarder, !m.local, std::move(link.remote), tag, link.epoch};
  if (set.policy() == balance_policy::least_outstanding) out.outstanding = m.outstanding;
  out.breaker = m.breaker;
  out.replicated = true;
  return out;
}

}  // namespace

call_target directory::target(const std::string& name, const call_route& route) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  auto i = entries_.find(name);
  if (i == entries_.end()) return {fallback_, false, false, {}, nullptr, 0};
  const auto& e = i->second;
  if (e.replicas) {
    const auto& set = *e.replicas;
    if (set.route_by().empty()) return target_of(set, set.pick(route.avoid));
    auto key = route.key != nullptr ? route.key->key(set.route_by()) : std::nullopt;
    if (key) return target_of(set, set.pick_for_key(*key, route.avoid));
    auto out = target_of(set, set.pick(route.avoid));
    out.keyless = true;
    return out;
  }
  auto link = e.link ? e.link->get() : remote_link::view{};
  const remote_link* tag = link.remote ? e.link.get() : nullptr;
  return {e.handle, e.forwarder, e.forwarder && !e.local, std::move(link.remote), tag, link.epoch};
}

std::vector<call_target> directory::replica_targets(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  std::vector<call_target> out;
  auto i = entries_.find(name);
  if (i == entries_.end() || !i->second.replicas) return out;
  for (const auto& m : i->second.replicas->members())
    out.push_back(target_of(*i->second.replicas, m));
  return out;
}

remote_link::~remote_link() {
  call_deadlines::instance().forget_tag(this);
}

void remote_link::lose(const caf::error& err) {
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    remote_ = nullptr;
    epoch = ++epoch_;
    state_ = state_kind::down;
  }
  call_deadlines::instance().fail_tagged(this, epoch, err);
}

std::vector<std::pair<std::string, std::shared_ptr<const replica_set>>> directory::replica_sets()
    const {
  std::vector<std::pair<std::string, std::shared_ptr<const replica_set>>> out;
  {
    std::shared_lock<std::shared_mutex> guard{mutex_};
    for (const auto& kv : entries_)
      if (kv.second.replicas) out.emplace_back(kv.first, kv.second.replicas);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

bool directory::contains(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  return entries_.count(name) > 0;
}

caf::actor directory::local(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  auto i = entries_.find(name);
  return i != entries_.end() ? i->second.local : caf::actor{};
}

std::vector<std::pair<std::string, std::shared_ptr<component_stats>>> directory::local_stats()
    const {
  std::vector<std::pair<std::string, std::shared_ptr<component_stats>>> out;
  {
    std::shared_lock<std::shared_mutex> guard{mutex_};
    for (const auto& kv : entries_)
      if (kv.second.local) out.emplace_back(kv.first, kv.second.stats);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
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
  // Every call asks: an exact type comparison costs less than a dynamic_cast.
  const auto& cfg = sys.config();
  if (typeid(cfg) == typeid(runtime_config)) return static_cast<const runtime_config*>(&cfg);
  return dynamic_cast<const runtime_config*>(&cfg);
}

call_target call_target_of(caf::actor_system& sys, const std::string& name,
                           const call_route& route) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->components->target(name, route) : call_target{};
}

std::vector<call_target> replica_targets_of(caf::actor_system& sys, const std::string& name) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->components->replica_targets(name) : std::vector<call_target>{};
}

directory_entry resolve(caf::actor_system& sys, const std::string& name) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->components->resolve(name) : directory_entry{};
}

bool is_known(const caf::actor_system& sys, const std::string& name) {
  auto* rt = runtime_of(sys);
  return rt != nullptr && rt->components->contains(name);
}

const std::vector<std::string>& subscribers_of(caf::actor_system& sys, const std::string& topic) {
  static const std::vector<std::string> none;
  auto* rt = runtime_of(sys);
  if (rt == nullptr) return none;
  auto i = rt->subscribers.find(topic);
  return i != rt->subscribers.end() ? i->second : none;
}

caf::actor event_relay_for(caf::actor_system& sys, const std::string& topic) {
  auto* rt = runtime_of(sys);
  if (rt == nullptr || rt->nats_topics.count(topic) == 0) return {};
  return caf::actor_cast<caf::actor>(rt->event_relay);
}

bool serializes_local(const caf::actor_system& sys) {
  auto* rt = runtime_of(sys);
  return rt != nullptr && rt->serialize_local;
}

caf::timespan default_timeout(const caf::actor_system& sys) {
  auto* rt = runtime_of(sys);
  return rt != nullptr ? rt->default_timeout : caf::timespan{std::chrono::seconds(2)};
}

caf::actor spawn_unknown_component_responder(caf::actor_system& sys) {
  return spawn_guarded<caf::event_based_actor>(
      sys, [](caf::event_based_actor* self) -> caf::behavior {
        // The caller names the component in the error it reports; this actor cannot know the name.
        // Answers requests only: an error sent back for a one-way message would reach the sender
        // as an unexpected error message.
        self->set_default_handler(
            [self](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
              if (!self->current_mailbox_element()->mid.is_request())
                return caf::delegated<caf::message>{};
              return make_error(errc::unknown_component, unknown_component_text);
            });
        return {[](caf::unit_t) {
        }};
      });
}

caf::error check_running(const caf::actor_system& sys) {
  const auto* rt = runtime_of(sys);
  if (rt == nullptr) return caf::none;
  for (const auto& [name, stats] : rt->components->local_stats())
    if (stats && !stats->running)
      return make_error(errc::unavailable, name + " is not running on node \"" + rt->node_name +
                                               "\" (it ended; see the node's log)");
  return caf::none;
}

caf::error check_reachable(caf::actor_system& sys, const std::string& name, caf::timespan timeout) {
  auto entry = resolve(sys, name);
  if (!is_known(sys, name))
    return make_error(errc::unknown_component, "no component named \"" + name + "\"");
  if (entry.stats && !entry.stats->running)
    return make_error(errc::unavailable, name + " is not running (it ended)");
  if (entry.local) return caf::none;
  // A replicated component is reachable if one of its replicas is.
  std::vector<caf::actor> forwarders;
  if (entry.replicas)
    for (const auto& m : entry.replicas->members()) forwarders.push_back(m.handle);
  else if (entry.forwarder)
    forwarders.push_back(entry.handle);
  caf::error out;
  for (const auto& forwarder : forwarders) {
    caf::scoped_actor self{sys};
    out = caf::none;
    self->request(forwarder, timeout, probe_reachable{})
        .receive([](bool) {}, [&](caf::error& err) { out = std::move(err); });
    if (!out) return out;
  }
  if (out == caf::sec::request_timeout)
    return make_error(errc::unavailable, name + ": not reachable within the probe's deadline");
  return out;
}

void log_stray_error(const std::string& node, const std::string& name, const caf::error& err) {
  log("warning", node, "unexpected error message ignored",
      {{"component", name}, {"error", describe(err)}});
}

caf::result<caf::message> unhandled_message(caf::scheduled_actor* self, const std::string& node,
                                            const std::string& name, caf::message_view& msg) {
  bool is_request = self->current_mailbox_element()->mid.is_request();
  auto content = msg.copy_content_to_message();
  log("warning", node, "unhandled message",
      {{"component", name},
       {"message", content.empty() ? "() (a type this node does not know?)" : to_string(content)},
       {"request", is_request}});
  if (!is_request) return caf::delegated<caf::message>{};
  return caf::sec::unexpected_message;
}

std::shared_ptr<component_stats> current_init_stats() {
  return init_stats;
}

const char* unlisted_message(const component_stats& stats,
                             std::initializer_list<std::type_index> listed) {
  for (const auto& [type, name] : stats.handled)
    if (std::find(listed.begin(), listed.end(), type) == listed.end()) return name;
  return nullptr;
}

caf::local_actor* current_init_actor() {
  return init_actor;
}

init_stats_scope::init_stats_scope(std::shared_ptr<component_stats> stats, caf::local_actor* actor)
    : previous_(std::move(init_stats)), previous_actor_(init_actor) {
  init_stats = std::move(stats);
  init_actor = actor;
}

init_stats_scope::~init_stats_scope() {
  init_stats = std::move(previous_);
  init_actor = previous_actor_;
}

caf::local_actor* current_handler_actor() {
  return handler_actor;
}

handler_actor_scope::handler_actor_scope(caf::local_actor* actor) : previous_(handler_actor) {
  handler_actor = actor;
}

handler_actor_scope::~handler_actor_scope() {
  handler_actor = previous_;
}

}  // namespace cleave::detail
