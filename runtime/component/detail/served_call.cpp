#include "runtime/component/detail/served_call.hpp"

#include "runtime/component/detail/directory.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/core/request_context.hpp"

namespace cleave::detail {

namespace {

thread_local served_call* served = nullptr;

int64_t micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string outcome_of(const caf::error* failure) {
  return failure != nullptr && *failure ? describe(*failure) : "ok";
}

}  // namespace

served_call* current_served_call() {
  return served;
}

served_call_scope::served_call_scope(served_call* call) : previous_(served) {
  served = call;
}

served_call_scope::~served_call_scope() {
  served = previous_;
}

deferred_call_log defer_served_call() {
  if (served == nullptr) return {};
  served->answered_later = true;
  auto waited = micros(std::chrono::steady_clock::now() - served->start);
  return {served->stats->node, served->stats->component, served->op, current_request().request_id,
          system_now_us() - waited};
}

void log_answered(const deferred_call_log& call, const caf::error* failure) {
  if (!call.enabled()) return;
  request_scope scope{call.request_id, std::chrono::steady_clock::time_point::max()};
  log("info", call.node, "call",
      {{"component", call.component},
       {"op", call.op},
       {"outcome", outcome_of(failure)},
       {"answered", "later"},
       {"elapsed_us", std::max<int64_t>(0, system_now_us() - call.started_us)}});
}

void log_handler_done(const served_call& call, const caf::error* failure, bool later) {
  auto elapsed = micros(std::chrono::steady_clock::now() - call.start);
  if (later && call.answered_later) return;
  if (later && !call.delegated_to.empty()) {
    log("info", call.stats->node, "call",
        {{"component", call.stats->component},
         {"op", call.op},
         {"outcome", "delegated"},
         {"to", call.delegated_to},
         {"elapsed_us", elapsed}});
    return;
  }
  log("info", call.stats->node, "call",
      {{"component", call.stats->component},
       {"op", call.op},
       {"outcome", outcome_of(failure)},
       {"elapsed_us", elapsed}});
}

void log_unanswered_call(const caf::actor_system& sys, const std::string& caller,
                         const std::string& component, const char* op, const caf::error& annotated,
                         std::chrono::steady_clock::duration elapsed) {
  const auto* rt = runtime_of(sys);
  if (rt == nullptr || !rt->log_calls) return;
  log("warning", rt->node_name, "call unanswered",
      {{"component", caller.empty() ? std::string{"(none)"} : caller},
       {"target", component},
       {"op", op},
       {"outcome", describe(annotated)},
       {"elapsed_us", micros(elapsed)}});
}

}  // namespace cleave::detail
