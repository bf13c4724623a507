#include "runtime/component/detail/forwarder.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/node_id.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/detail/wire.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave::detail {

namespace {

using clock = std::chrono::steady_clock;

constexpr auto connect_timeout = std::chrono::seconds(1);
/// A look-up is one small request on a connection just made. Short, because right after a
/// connection is lost CAF's middleman may still hand out the old (dead) gatekeeper for its
/// address, and a request to it is dropped: the look-up then fails by this and is retried.
constexpr auto lookup_timeout = std::chrono::milliseconds(250);
/// How long a readiness probe waits for a connection.
constexpr auto probe_deadline = std::chrono::milliseconds(500);
constexpr auto first_backoff = std::chrono::milliseconds(10);
// While a node is down its forwarders retry in the background; a call in between starts an attempt
// of its own at once, so the ceiling only bounds how stale readiness and the connection are.
constexpr auto max_backoff = std::chrono::milliseconds(500);
/// How long a call to a node known to be down waits for an attempt to connect.
constexpr auto known_down_wait = std::chrono::milliseconds(25);

/// How often the calls in flight past their deadline are forgotten. One timer for all of them,
/// not one per call: a timer costs the caller's path a lock and a wake-up of CAF's clock thread.
constexpr auto sweep_interval = std::chrono::milliseconds(100);

/// Where a reply goes (a response promise, copyable).
struct reply_target {
  caf::strong_actor_ptr to;
  uint64_t request_id = 0;
  std::vector<caf::strong_actor_ptr> stages;

  void deliver(caf::message msg) const { deliver_reply(to, request_id, stages, std::move(msg)); }

  /// Hands the request on to `dest`, which then answers the caller directly.
  void forward(const caf::actor& dest, caf::message msg, caf::execution_unit* ctx) const {
    dest->enqueue(
        caf::make_mailbox_element(to, caf::message_id{request_id}, stages, std::move(msg)), ctx);
  }
  void fail(caf::error err) const { deliver(caf::make_message(std::move(err))); }
};

struct waiting_call {
  uint64_t id = 0;
  bool is_request = false;
  /// A readiness probe: answered `true` by the forwarder itself once connected.
  bool probe = false;
  reply_target reply;
  caf::message content;
  clock::time_point deadline;
};

struct in_flight_call {
  reply_target reply;
  clock::time_point deadline;
};

struct retry_connect {};
CLEAVE_MESSAGE(retry_connect)

struct sweep_in_flight {};
CLEAVE_MESSAGE(sweep_in_flight)

struct expire_waiting {
  uint64_t id = 0;
};
CLEAVE_MESSAGE(expire_waiting, id)

struct forwarder_state {
  forwarder_target target;
  caf::actor remote;
  bool connecting = false;
  /// The last attempt to connect failed, or the connection was lost and is not back yet: calls
  /// fail at once (with last_error) while an attempt is under way, not at their deadline.
  bool known_down = false;
  /// A retry_connect is on its way.
  bool retry_scheduled = false;
  /// Connected at least once.
  bool ever_connected = false;
  caf::timespan backoff = first_backoff;
  caf::error last_error;
  std::deque<waiting_call> waiting;
  std::unordered_map<uint64_t, in_flight_call> in_flight;
  /// (deadline, id) of the calls in flight, in the order they were sent.
  std::deque<std::pair<clock::time_point, uint64_t>> expiry;
  bool sweeping = false;
  uint64_t next_id = 1;
  static inline const char* name = "cleave.forwarder";
};

using forwarder_actor = caf::stateful_actor<forwarder_state>;

/// Margin by which a waiting call is failed before the caller's own timeout fires, so that the
/// caller sees `unavailable` (the cause), not the bare deadline.
caf::timespan expiry_margin(caf::timespan budget) {
  return std::clamp<caf::timespan>(budget / 20, std::chrono::milliseconds(1),
                                   std::chrono::milliseconds(50));
}

std::string where(const forwarder_target& t) {
  return t.component + " on node \"" + t.node + "\" (" + t.host + ":" + std::to_string(t.port) +
         ")";
}

class forwarder {
 public:
  explicit forwarder(forwarder_actor* self) : self_(self), st_(self->state) {}

  /// Takes the reply handle of the message being handled (if it is a request).
  reply_target take_reply() {
    auto promise = self_->make_response_promise();
    return {promise.source(), promise.id().integer_value(), promise.stages()};
  }

  void submit(bool is_request, caf::message content, clock::time_point deadline,
              bool probe = false) {
    // A one-way message keeps its sender too, so that whatever the component sends back goes to
    // the sender, not to the forwarder.
    auto reply =
        is_request
            ? take_reply()
            : reply_target{self_->current_sender(), caf::make_message_id().integer_value(), {}};
    waiting_call call{st_.next_id++,    is_request,         probe,
                      std::move(reply), std::move(content), deadline};
    if (st_.remote) {
      dispatch(std::move(call));
      return;
    }
    auto id = call.id;
    auto wait = deadline - clock::now();
    auto limit = std::max<caf::timespan>(wait - expiry_margin(wait), {});
    // To a node known to be down a call waits only briefly for the attempt to connect: a refused
    // attempt fails it in a millisecond, a node that is back takes it, a node cut off (no answer
    // at all) must not cost it its deadline.
    if (st_.known_down) limit = std::min<caf::timespan>(limit, known_down_wait);
    st_.waiting.push_back(std::move(call));
    self_->delayed_send(self_, limit, expire_waiting{id});
    connect();
  }

  void dispatch(waiting_call call) {
    if (call.probe) {
      call.reply.deliver(caf::make_message(true));
      return;
    }
    if (st_.target.local) {
      auto copy = wire_round_trip(self_->system(), std::move(call.content));
      if (!copy) {
        call.reply.fail(copy.error());
        return;
      }
      call.content = std::move(*copy);
    }
    if (!call.is_request) {
      call.reply.forward(st_.remote, std::move(call.content), self_->context());
      return;
    }
    if (call.deadline <= clock::now()) {
      call.reply.fail(caf::sec::request_timeout);
      return;
    }
    // The component answers the caller directly (as with CAF's delegate); the forwarder keeps the
    // reply handle until the deadline only to fail the call at once if the connection is lost.
    call.reply.forward(st_.remote, std::move(call.content), self_->context());
    if (st_.target.local) return;
    keep_in_flight(std::move(call.reply), call.deadline);
  }

  /// Keeps the reply handle of a call in flight until its deadline, to fail it if the
  /// connection drops.
  void keep_in_flight(reply_target reply, clock::time_point deadline) {
    auto id = st_.next_id++;
    st_.in_flight.emplace(id, in_flight_call{std::move(reply), deadline});
    st_.expiry.emplace_back(deadline, id);
    if (!st_.sweeping) {
      st_.sweeping = true;
      self_->delayed_send(self_, sweep_interval, sweep_in_flight{});
    }
  }

  /// Forgets the calls whose deadline has passed (their callers have timed out by now). Calls
  /// sent with a longer deadline before them hold them back until they expire too.
  void sweep() {
    auto now = clock::now();
    while (!st_.expiry.empty() && st_.expiry.front().first <= now) {
      st_.in_flight.erase(st_.expiry.front().second);
      st_.expiry.pop_front();
    }
    st_.sweeping = !st_.expiry.empty();
    if (st_.sweeping) self_->delayed_send(self_, sweep_interval, sweep_in_flight{});
  }

  /// Connects if a call waits and no attempt is under way.
  void connect() {
    if (st_.connecting || st_.remote || st_.waiting.empty()) return;
    start_connect();
  }

  void start_connect() {
    // Serializing mode: the component runs here; once it has ended there is nothing to dial.
    if (st_.target.local) {
      st_.known_down = true;
      st_.last_error = unavailable("the component is not running");
      return;
    }
    st_.connecting = true;
    auto* self = self_;
    transport::connect(self_, st_.target.host, st_.target.port, connect_timeout)
        .then(
            [self](const caf::node_id&, caf::strong_actor_ptr& gatekeeper,
                   const std::set<std::string>&) {
              forwarder f{self};
              f.look_up(caf::actor_cast<caf::actor>(gatekeeper));
            },
            [self](caf::error& err) {
              forwarder f{self};
              f.connect_failed("cannot connect: " + describe(err));
            });
  }

  void look_up(caf::actor gatekeeper) {
    if (!gatekeeper) {
      connect_failed("no cleave node listens there");
      return;
    }
    auto* self = self_;
    self_->request(gatekeeper, lookup_timeout, protocol::lookup_component{st_.target.component})
        .then(
            [self](caf::actor& handle) {
              forwarder f{self};
              f.connected(std::move(handle));
            },
            [self](caf::error& err) {
              forwarder f{self};
              f.connect_failed("lookup failed: " + describe(err));
            });
  }

  void connected(caf::actor handle) {
    st_.connecting = false;
    st_.known_down = false;
    st_.ever_connected = true;
    st_.backoff = first_backoff;
    st_.last_error = caf::none;
    st_.remote = std::move(handle);
    self_->monitor(st_.remote);
    if (st_.target.link) st_.target.link->set(st_.remote);
    auto now = clock::now();
    auto waiting = std::move(st_.waiting);
    st_.waiting.clear();
    for (auto& call : waiting) {
      if (call.deadline <= now) {
        if (call.is_request) call.reply.fail(unavailable("not reachable before the deadline"));
      } else {
        dispatch(std::move(call));
      }
    }
  }

  /// The attempt failed: the calls waiting for it fail now (they were not sent, so `unavailable`
  /// is certain), and the next attempt is made in the background after a backoff.
  void connect_failed(std::string why) {
    st_.connecting = false;
    st_.last_error = unavailable(std::move(why));
    // Not reached yet while nodes start: the calls wait for it, up to their deadlines.
    if (!st_.ever_connected && clock::now() < st_.target.patient_until) {
      schedule_retry();
      return;
    }
    st_.known_down = true;
    if (st_.target.link) st_.target.link->mark_down();
    auto waiting = std::move(st_.waiting);
    st_.waiting.clear();
    for (auto& call : waiting)
      if (call.is_request) call.reply.fail(st_.last_error);
    schedule_retry();
  }

  void schedule_retry() {
    if (st_.retry_scheduled) return;
    st_.retry_scheduled = true;
    self_->delayed_send(self_, st_.backoff, retry_connect{});
    st_.backoff = std::min<caf::timespan>(st_.backoff * 2, max_backoff);
  }

  void retry() {
    st_.retry_scheduled = false;
    if (st_.remote || st_.connecting) return;
    if (st_.known_down || !st_.waiting.empty() || st_.target.eager) start_connect();
  }

  void expire(uint64_t id) {
    auto i = std::find_if(st_.waiting.begin(), st_.waiting.end(),
                          [id](const waiting_call& c) { return c.id == id; });
    if (i == st_.waiting.end()) return;
    // A one-way message that could not be delivered is dropped, as a network would drop it.
    if (i->is_request)
      i->reply.fail(st_.last_error ? st_.last_error : unavailable("not connected yet"));
    st_.waiting.erase(i);
  }

  void lost(const caf::down_msg& dm) {
    if (!st_.remote || dm.source != st_.remote.address()) return;
    st_.remote = nullptr;
    // Calls in flight were sent: the component may have applied them before the connection went.
    auto reason = caf::to_string(dm.reason);
    auto in_flight_error =
        make_error(errc::outcome_unknown, where(st_.target) +
                                              ": connection lost after the request was sent (" +
                                              reason + "); it may have been applied");
    if (st_.target.link) st_.target.link->lose(in_flight_error);
    for (auto& kv : st_.in_flight) kv.second.reply.fail(in_flight_error);
    st_.in_flight.clear();
    st_.expiry.clear();
    st_.known_down = true;
    st_.last_error = unavailable("connection lost (" + reason + ")");
    start_connect();
  }

  caf::error unavailable(std::string why) const {
    return make_error(errc::unavailable, where(st_.target) + ": " + why);
  }

 private:
  forwarder_actor* self_;
  forwarder_state& st_;
};

caf::behavior forwarder_impl(forwarder_actor* self, forwarder_target target) {
  self->state.target = std::move(target);
  if (self->state.target.local) {
    self->state.remote = self->state.target.local;
    self->monitor(self->state.remote);
  }
  self->set_down_handler([self](caf::down_msg& dm) { forwarder{self}.lost(dm); });
  // A replica's callers need to know which replicas are up before they send to one.
  if (self->state.target.eager) self->send(self, retry_connect{});
  // Calls must not go straight to a component whose forwarder is gone.
  self->attach_functor([link = self->state.target.link] {
    if (link) link->set(nullptr);
  });
  // CAF 0.17 would terminate the forwarder on an error message it did not ask for.
  self->set_error_handler([](caf::error&) {});
  self->set_default_handler(
      [self](caf::scheduled_actor*, caf::message_view& xs) -> caf::result<caf::message> {
        bool is_request = self->current_mailbox_element()->mid.is_request();
        forwarder{self}.submit(is_request, xs.move_content_to_message(),
                               clock::now() + self->state.target.default_timeout);
        return caf::delegated<caf::message>{};
      });
  return {
      [self](forward_request& req) -> caf::delegated<caf::message> {
        forwarder{self}.submit(true, std::move(req.content), req.deadline);
        return {};
      },
      [self](probe_reachable) -> caf::delegated<bool> {
        forwarder{self}.submit(true, caf::make_message(), clock::now() + probe_deadline, true);
        return {};
      },
      [self](retry_connect) { forwarder{self}.retry(); },
      [self](expire_waiting msg) { forwarder{self}.expire(msg.id); },
      [self](sweep_in_flight) { forwarder{self}.sweep(); },
  };
}

}  // namespace

caf::actor spawn_forwarder(caf::actor_system& sys, forwarder_target target) {
  return spawn_guarded<forwarder_actor>(
      sys, [target](forwarder_actor* self) { return forwarder_impl(self, target); });
}

}  // namespace cleave::detail
