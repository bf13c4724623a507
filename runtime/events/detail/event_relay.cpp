#include "runtime/events/detail/event_relay.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/event_relay_messages.hpp"
#include "runtime/component/detail/outbox.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/events/detail/nats_client.hpp"
#include "runtime/state/state.hpp"

namespace cleave::detail {

namespace {

using namespace std::chrono_literals;

/// How long an outbox that could not be handed on waits before the next attempt, and how long a
/// publish made at once waits between attempts.
constexpr auto outbox_retry = 1s;
constexpr auto publish_retry = 100ms;

struct relay_state {
  event_relay_settings settings;
  /// The stores, as the node opened them for their components (null until it has).
  std::vector<std::shared_ptr<state>> stores;
  /// Per store: a retry is scheduled; handing on failed last time (logged once per failure run).
  std::vector<bool> retry_scheduled;
  std::vector<bool> failing;
  /// NATS connections by URL, and the topics whose stream is known to exist there.
  std::map<std::string, std::shared_ptr<nats_connection>> nats;
  std::set<std::string> streams_ready;

  static inline const char* name = "cleave.event_relay";
};

using relay_actor = caf::stateful_actor<relay_state>;

/// The connection to `topic`'s NATS server, with the topic's stream made sure of.
caf::expected<std::shared_ptr<nats_connection>> nats_for(relay_actor* self,
                                                         const topic_spec& topic) {
  auto& st = self->state;
  auto& conn = st.nats[topic.url];
  if (!conn) {
    auto made = nats_connection::connect(
        {topic.url, std::chrono::milliseconds{2000}, st.settings.app + "@" + st.settings.node});
    if (!made) return std::move(made.error());
    conn = std::move(*made);
  }
  if (st.streams_ready.count(topic.name) == 0) {
    if (auto err = conn->ensure_stream(stream_name(st.settings.app, topic.name), {topic.name}))
      return err;
    st.streams_ready.insert(topic.name);
  }
  return conn;
}

caf::error publish_to_nats(relay_actor* self, const topic_spec& topic, const std::string& event,
                           const std::string& id, const std::string& json,
                           std::chrono::milliseconds wait) {
  auto conn = nats_for(self, topic);
  if (!conn) return std::move(conn.error());
  auto ack = (*conn)->publish(topic.name, json, id, {{"Cleave-Event", event}}, wait);
  if (!ack) return std::move(ack.error());
  return caf::none;
}

/// Sends an outbox entry of a "cluster" topic to each subscribed component.
caf::error send_to_subscribers(relay_actor* self, const outbox_entry& e) {
  auto* rt = runtime_of(self->system());
  if (rt == nullptr) return caf::none;
  auto decoder = rt->event_decoders.find(e.topic);
  if (decoder == rt->event_decoders.end()) return caf::none;  // nobody subscribes
  auto decoded = decoder->second(e.json, request_context{e.id, 0});
  if (!decoded) {
    log("error", self->state.settings.node, "event dropped: it does not decode",
        {{"topic", e.topic},
         {"event", e.event},
         {"id", e.id},
         {"error", describe(decoded.error())}});
    return caf::none;
  }
  for (const auto& name : subscribers_of(self->system(), e.topic)) {
    auto target = call_target_of(self->system(), name, {{}, decoded->key.get()});
    self->send(target.handle, decoded->message);
  }
  return caf::none;
}

void schedule_retry(relay_actor* self, int store) {
  auto i = static_cast<size_t>(store);
  if (self->state.retry_scheduled[i]) return;
  self->state.retry_scheduled[i] = true;
  self->delayed_send(self, outbox_retry, relay_wake{store, true});
}

/// Hands on what store `store`'s outbox holds, in order, stopping at the first entry that cannot
/// be (retried later).
void drain(relay_actor* self, int store) {
  auto& st = self->state;
  auto i = static_cast<size_t>(store);
  if (i >= st.stores.size()) return;
  const auto& path = st.settings.stores[i];
  auto fail = [&](const std::string& what, const caf::error& err, const std::string& topic) {
    if (!st.failing[i])
      log("warning", st.settings.node, what,
          {{"store", path}, {"topic", topic}, {"error", describe(err)}});
    st.failing[i] = true;
    schedule_retry(self, store);
  };
  if (!st.stores[i]) return;  // not opened yet: relay_store comes then
  auto entries = st.stores[i]->list<outbox_entry>(outbox_collection);
  if (!entries) return fail("outbox cannot be read", entries.error(), "");
  for (const auto& [key, e] : *entries) {
    auto topic = st.settings.topics.find(e.topic);
    caf::error err;
    if (topic != st.settings.topics.end() && topic->second.nats())
      err =
          publish_to_nats(self, topic->second, e.event, e.id, e.json, st.settings.publish_timeout);
    else
      err = send_to_subscribers(self, e);
    if (err) return fail("events wait in the outbox: NATS did not take them", err, e.topic);
    // Removed only now: an entry handed on twice (a crash in between) has the same id, which
    // NATS stores once.
    auto removed = st.stores[i]->erase(outbox_collection, key);
    if (!removed) return fail("outbox entry not removed", removed.error(), e.topic);
  }
  if (st.failing[i]) log("info", st.settings.node, "outbox handed on again", {{"store", path}});
  st.failing[i] = false;
}

caf::behavior event_relay(relay_actor* self, event_relay_settings settings) {
  auto n = settings.stores.size();
  self->state.settings = std::move(settings);
  self->state.stores.resize(n);
  self->state.retry_scheduled.assign(n, false);
  self->state.failing.assign(n, false);
  return {
      [=](const relay_store& s) {
        auto i = static_cast<size_t>(s.index);
        if (i >= self->state.stores.size()) return;
        self->state.stores[i] = s.store;
        drain(self, s.index);
      },
      [=](const relay_wake& w) {
        if (w.retry) self->state.retry_scheduled[static_cast<size_t>(w.store)] = false;
        drain(self, w.store);
      },
      [=](const relay_publish& p) {
        auto& st = self->state;
        auto topic = st.settings.topics.find(p.topic);
        if (topic == st.settings.topics.end() || !topic->second.nats()) return;
        auto now = std::chrono::steady_clock::now();
        auto deadline = p.deadline == std::chrono::steady_clock::time_point::max()
                            ? now + st.settings.publish_timeout
                            : p.deadline;
        auto wait =
            std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                       std::chrono::milliseconds{1}, st.settings.publish_timeout);
        auto err = publish_to_nats(self, topic->second, p.event, p.id, p.json, wait);
        if (!err) return;
        if (std::chrono::steady_clock::now() + publish_retry < deadline) {
          auto again = p;
          again.deadline = deadline;
          self->delayed_send(self, publish_retry, std::move(again));
          return;
        }
        log("error", st.settings.node, "event not published: NATS did not take it in time",
            {{"topic", p.topic}, {"id", p.id}, {"error", describe(err)}});
      },
  };
}

}  // namespace

std::string nats_name(std::string name) {
  // Names may not hold '.', '*', '>', spaces or path separators.
  for (auto& c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') c = '_';
  return name;
}

std::string stream_name(const std::string& app, const std::string& topic) {
  return nats_name("cleave-" + app + "-" + topic);
}

caf::actor spawn_event_relay(caf::actor_system& sys, event_relay_settings settings) {
  return sys.spawn<caf::detached>(event_relay, std::move(settings));
}

}  // namespace cleave::detail
