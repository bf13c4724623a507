// One component instance's subscription to a "nats" topic: a thread that fetches the topic's
// events through the component's durable consumer (one per component: replicas share it, so each
// event goes to one of them), hands each to the instance as a request, and acknowledges it once
// the handler returned without an error. An event whose handler failed, or did not answer within
// 80% of the topic's ack wait, is delivered again (after 1 s); one that does not decode as the
// subscription's event type is logged and acknowledged (it never would).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "runtime/component/detail/event_decoder.hpp"
#include "runtime/events/detail/nats_client.hpp"
#include "runtime/placement/placement.hpp"

namespace cleave::detail {

class nats_subscriber {
 public:
  /// Connects to the topic's server, makes sure of its stream and of `component`'s durable
  /// consumer, and starts fetching for `instance`. Fails with the reason (a server that cannot
  /// be reached: unavailable).
  static caf::expected<std::unique_ptr<nats_subscriber>> start(
      caf::actor_system& sys, const std::string& node, const std::string& app,
      const topic_spec& topic, const std::string& component, event_decoder decode,
      caf::actor instance);

  /// Stops fetching; an event being handled is not acknowledged (NATS delivers it again).
  ~nats_subscriber();
  nats_subscriber(const nats_subscriber&) = delete;
  nats_subscriber& operator=(const nats_subscriber&) = delete;

  /// Stops the thread (waits for it: at most one fetch's wait and one handler's answer).
  void stop();

 private:
  nats_subscriber() = default;
  void run();

  caf::actor_system* sys_ = nullptr;
  std::string node_;
  std::string topic_;
  std::string component_;
  std::chrono::milliseconds ack_wait_{0};
  event_decoder decode_ = nullptr;
  caf::actor instance_;
  std::shared_ptr<nats_connection> connection_;
  std::unique_ptr<nats_consumer> consumer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cleave::detail
