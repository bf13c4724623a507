// A node's event relay: one detached actor (its calls to NATS block) that
// - publishes the events its components publish at once on "nats" topics (relay_publish),
//   retrying until each one's deadline;
// - hands on what the outboxes of the node's stores hold (relay_wake, sent after every commit that
//   wrote to one, and once when the node opened the store, for what a previous run left): each
//   entry in order, to NATS
//   ("nats" topics: removed once NATS stored it; retried every second while NATS does not) or to
//   the subscribers ("cluster" topics: removed once sent).
// It reads and removes outbox entries through the component's own store object, which lets one
// operation or transaction in at a time (a second SQLite connection would wait for the file's
// lock in sleeps of 1 to 100 ms, and did: p99 of Shop's orders 200 ms).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "runtime/placement/placement.hpp"

namespace cleave::detail {

struct event_relay_settings {
  /// This node's name (for logs and the NATS client name).
  std::string node;
  /// The app's name (streams are named after it and the topic).
  std::string app;
  /// The placement's topics ("nats" ones are published to NATS).
  std::map<std::string, topic_spec> topics;
  /// The files of the stores whose outboxes it relays, by the index relay_store and relay_wake
  /// name (the node sends each store with relay_store once all its components have started,
  /// so that what a previous run left finds its subscribers).
  std::vector<std::string> stores;
  /// How long one publish may wait for NATS's answer, and the deadline of a publish made
  /// outside a request ("defaults.timeout_ms").
  std::chrono::milliseconds publish_timeout{2000};
};

/// `name` in the characters NATS allows in stream and consumer names (others become '_').
std::string nats_name(std::string name);

/// The stream of `topic` in NATS: "cleave-<app>-<topic>".
std::string stream_name(const std::string& app, const std::string& topic);

/// Spawns the relay.
caf::actor spawn_event_relay(caf::actor_system& sys, event_relay_settings settings);

}  // namespace cleave::detail
