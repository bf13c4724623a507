#include "runtime/events/detail/nats_subscriber.hpp"

#include <utility>

#include <caf/scoped_actor.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/events/detail/event_relay.hpp"

namespace cleave::detail {

namespace {

using namespace std::chrono_literals;

/// Events fetched at once, and how long a fetch waits for the first (the thread's reaction time
/// to stop()).
constexpr int fetch_batch = 16;
constexpr auto fetch_wait = 250ms;
/// How long a failed event waits before NATS delivers it again.
constexpr auto redelivery_delay = 1s;

}  // namespace

caf::expected<std::unique_ptr<nats_subscriber>> nats_subscriber::start(
    caf::actor_system& sys, const std::string& node, const std::string& app,
    const topic_spec& topic, const std::string& component, event_decoder decode,
    caf::actor instance) {
  auto conn = nats_connection::connect({topic.url, 2000ms, app + "@" + node});
  if (!conn) return std::move(conn.error());
  auto stream = stream_name(app, topic.name);
  if (auto err = (*conn)->ensure_stream(stream, {topic.name})) return err;
  auto consumer = (*conn)->durable_consumer(stream, topic.name, nats_name(app + "-" + component),
                                            topic.ack_wait);
  if (!consumer) return std::move(consumer.error());
  std::unique_ptr<nats_subscriber> self{new nats_subscriber};
  self->sys_ = &sys;
  self->node_ = node;
  self->topic_ = topic.name;
  self->component_ = component;
  self->ack_wait_ = topic.ack_wait;
  self->decode_ = decode;
  self->instance_ = std::move(instance);
  self->connection_ = std::move(*conn);
  self->consumer_ = std::move(*consumer);
  self->thread_ = std::thread{[s = self.get()] {
    s->run();
  }};
  return self;
}

nats_subscriber::~nats_subscriber() {
  stop();
}

void nats_subscriber::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void nats_subscriber::run() {
  caf::scoped_actor self{*sys_};
  // A handler gets 80% of the ack wait, so that its answer and the ack arrive before NATS gives
  // the event to another instance.
  auto handler_time = ack_wait_ * 8 / 10;
  bool failing = false;
  while (!stopping_) {
    auto batch = consumer_->fetch(fetch_batch, fetch_wait);
    if (!batch) {
      if (!failing)
        log("warning", node_, "events cannot be fetched from NATS",
            {{"topic", topic_}, {"component", component_}, {"error", describe(batch.error())}});
      failing = true;
      continue;
    }
    if (failing && !batch->empty())
      log("info", node_, "events fetched from NATS again",
          {{"topic", topic_}, {"component", component_}});
    failing = false;
    for (auto& delivery : *batch) {
      if (stopping_) break;  // not acknowledged: delivered again
      request_context ctx{
          delivery.msg_id(),
          std::chrono::duration_cast<std::chrono::nanoseconds>(handler_time).count()};
      auto decoded = decode_(delivery.payload(), ctx);
      if (!decoded) {
        log("error", node_, "event dropped: it does not decode",
            {{"topic", topic_},
             {"component", component_},
             {"id", ctx.request_id},
             {"error", describe(decoded.error())}});
        (void)delivery.ack();
        continue;
      }
      caf::error failed;
      self->request(instance_, handler_time, std::move(decoded->message))
          .receive([] {}, [&](caf::error& err) { failed = std::move(err); });
      if (failed) {
        log("warning", node_, "event handler failed; NATS delivers the event again",
            {{"topic", topic_},
             {"component", component_},
             {"id", ctx.request_id},
             {"delivery", static_cast<int64_t>(delivery.delivered())},
             {"error", describe(failed)}});
        (void)delivery.nak(redelivery_delay);
        continue;
      }
      // An ack that does not reach NATS leaves the event to be delivered again: the subscriber's
      // first_delivery() drops it.
      if (auto err = delivery.ack())
        log("warning", node_, "event handled, but its ack did not reach NATS",
            {{"topic", topic_}, {"id", ctx.request_id}, {"error", describe(err)}});
    }
  }
}

}  // namespace cleave::detail
