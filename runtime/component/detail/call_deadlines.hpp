// Fails event-based calls at their deadlines without CAF's per-request timeouts.
//
// CAF 0.17 gives every request with a timeout two events on its clock (set, and cancel when the
// reply comes), each pushed to the clock's thread and waking it: measured, that thread's wake-ups
// cost ~15 % of a gateway's requests/s and ~20 % of an in-process call's latency
// (docs/performance.md). Here a call registers its deadline in one process-wide table under a
// mutex; one thread sleeps until the earliest deadline and is woken only when a call is due
// before it (rare: calls made later with the same timeout are due later). At a deadline the
// caller gets the error CAF's clock would have sent (sec::request_timeout, for the call's
// response id); a reply that came first removed the entry.
//
// A call sent straight to a component on another node is tagged with its connection (the
// remote_link of its forwarder): when the connection is lost, the forwarder fails every call
// tagged with it at once (CAF 0.17 would leave them waiting for their deadlines). The tag's
// epoch - how many times that connection was lost - tells a call registered just after a loss
// that its connection is gone already.
//
//   auto ticket = call_deadlines::instance().add(self->ctrl(), handle.id(), due);
//   ... on the reply or the error:  call_deadlines::instance().remove(ticket);
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/message_id.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace cleave::detail {

class call_deadlines {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Names one registered deadline.
  struct ticket {
    time_point due;
    uint64_t seq = 0;
  };

  /// The process's table (its thread starts with the first call).
  static call_deadlines& instance();

  call_deadlines();
  /// Stops the thread; deadlines still registered are dropped.
  ~call_deadlines();

  call_deadlines(const call_deadlines&) = delete;
  call_deadlines& operator=(const call_deadlines&) = delete;

  /// At `due`, unless removed before, sends `caller` a sec::request_timeout error as the response
  /// `response_id`. The caller is held weakly: one that ended gets nothing. With a `tag`, the
  /// call is also failed by fail_tagged(tag), and at once if `epoch` is not the tag's epoch.
  ticket add(caf::actor_control_block* caller, caf::message_id response_id, time_point due,
             const void* tag = nullptr, uint64_t epoch = 0);

  /// Fails every call tagged `tag` with `err` now, and makes `epoch` the tag's epoch.
  void fail_tagged(const void* tag, uint64_t epoch, const caf::error& err);

  /// Forgets `tag` (its connection object is gone; another may take its address).
  void forget_tag(const void* tag);

  /// Forgets the deadline of `t` (the reply came); nothing if it has passed already.
  void remove(const ticket& t);

  /// Deadlines registered and not yet due or removed.
  size_t size();

 private:
  struct entry {
    caf::weak_actor_ptr caller;
    caf::message_id response_id;
    const void* tag = nullptr;
  };

  struct tag_state {
    uint64_t epoch = 0;
    caf::error last_error;
  };

  /// Sends each of `failed` its error as the response to its call.
  static void fail(std::vector<std::pair<entry, caf::error>>& failed);

  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::pair<time_point, uint64_t>, entry> pending_;
  std::unordered_map<const void*, tag_state> tags_;
  uint64_t next_seq_ = 0;
  /// When the thread wakes next (max() = when told).
  time_point wake_at_ = time_point::max();
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cleave::detail
