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
//   auto ticket = call_deadlines::instance().add(self->ctrl(), handle.id(), due);
//   ... on the reply or the error:  call_deadlines::instance().remove(ticket);
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <caf/actor_control_block.hpp>
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
  /// `response_id`. The caller is held weakly: one that ended gets nothing.
  ticket add(caf::actor_control_block* caller, caf::message_id response_id, time_point due);

  /// Forgets the deadline of `t` (the reply came); nothing if it has passed already.
  void remove(const ticket& t);

  /// Deadlines registered and not yet due or removed.
  size_t size();

 private:
  struct entry {
    caf::weak_actor_ptr caller;
    caf::message_id response_id;
  };

  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::pair<time_point, uint64_t>, entry> pending_;
  uint64_t next_seq_ = 0;
  /// When the thread wakes next (max() = when told).
  time_point wake_at_ = time_point::max();
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cleave::detail
