#include "runtime/component/detail/call_deadlines.hpp"

#include <vector>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace cleave::detail {

call_deadlines& call_deadlines::instance() {
  static call_deadlines table;
  return table;
}

call_deadlines::call_deadlines() : thread_([this] { run(); }) {}

call_deadlines::~call_deadlines() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

call_deadlines::ticket call_deadlines::add(caf::actor_control_block* caller,
                                           caf::message_id response_id, time_point due,
                                           const void* tag, uint64_t epoch) {
  bool earlier = false;
  ticket t;
  std::vector<std::pair<entry, caf::error>> gone;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    t = ticket{due, next_seq_++};
    if (tag != nullptr) {
      auto i = tags_.find(tag);
      if (i != tags_.end() && i->second.epoch != epoch)
        // Its connection was lost after the call chose it: nobody will answer.
        gone.emplace_back(entry{caf::weak_actor_ptr{caller}, response_id, tag},
                          i->second.last_error);
    }
    if (gone.empty()) {
      pending_.emplace(std::make_pair(due, t.seq),
                       entry{caf::weak_actor_ptr{caller}, response_id, tag});
      earlier = due < wake_at_;
      if (earlier) wake_at_ = due;
    }
  }
  if (earlier) changed_.notify_one();
  fail(gone);
  return t;
}

void call_deadlines::fail_tagged(const void* tag, uint64_t epoch, const caf::error& err) {
  std::vector<std::pair<entry, caf::error>> failed;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    tags_[tag] = tag_state{epoch, err};
    for (auto i = pending_.begin(); i != pending_.end();) {
      if (i->second.tag == tag) {
        failed.emplace_back(std::move(i->second), err);
        i = pending_.erase(i);
      } else {
        ++i;
      }
    }
  }
  fail(failed);
}

void call_deadlines::forget_tag(const void* tag) {
  std::lock_guard<std::mutex> guard{mutex_};
  tags_.erase(tag);
}

void call_deadlines::fail(std::vector<std::pair<entry, caf::error>>& failed) {
  for (auto& [e, err] : failed)
    if (auto caller = e.caller.lock())
      caller->enqueue(nullptr, e.response_id, caf::make_message(err), nullptr);
  failed.clear();
}

void call_deadlines::remove(const ticket& t) {
  std::lock_guard<std::mutex> guard{mutex_};
  pending_.erase(std::make_pair(t.due, t.seq));
}

size_t call_deadlines::size() {
  std::lock_guard<std::mutex> guard{mutex_};
  return pending_.size();
}

void call_deadlines::run() {
  std::vector<entry> due;
  std::unique_lock<std::mutex> guard{mutex_};
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    while (!pending_.empty() && pending_.begin()->first.first <= now) {
      due.push_back(std::move(pending_.begin()->second));
      pending_.erase(pending_.begin());
    }
    wake_at_ = pending_.empty() ? time_point::max() : pending_.begin()->first.first;
    if (!due.empty()) {
      // Outside the lock: enqueueing may run code of the caller's (and add deadlines).
      guard.unlock();
      for (auto& e : due)
        if (auto caller = e.caller.lock())
          caller->enqueue(nullptr, e.response_id,
                          caf::make_message(caf::make_error(caf::sec::request_timeout)), nullptr);
      due.clear();
      guard.lock();
      continue;
    }
    if (wake_at_ == time_point::max())
      changed_.wait(guard);
    else
      changed_.wait_until(guard, wake_at_);
  }
}

}  // namespace cleave::detail
