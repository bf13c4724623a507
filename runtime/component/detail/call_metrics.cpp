#include "runtime/component/detail/call_metrics.hpp"

#include <array>
#include <memory>
#include <optional>
#include <unordered_map>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/core/error.hpp"
#include "runtime/metrics/names.hpp"
#include "runtime/metrics/registry.hpp"

namespace cleave::detail {

namespace {

constexpr size_t outcome_count = static_cast<size_t>(errc_last) + 2;

/// "ok", an errc name, or "error" for errors of other categories.
size_t outcome_index(const caf::error& err) {
  if (!err) return 0;
  if (err.category() == error_category && err.code() < outcome_count - 1) return err.code() + 1;
  return outcome_count - 1;
}

std::string outcome_name(size_t index) {
  if (index == 0) return "ok";
  if (index == outcome_count - 1) return "error";
  return to_string(static_cast<errc>(index - 1));
}

/// The series of one (operation, component, placement); counters made on first use.
struct call_series {
  std::string component;
  const char* op;
  const char* placement;
  std::array<std::optional<metrics::counter>, outcome_count> calls;
  std::optional<metrics::histogram> duration;
  /// This thread's cell of the call graph's edge from the caller to the component.
  call_edge* edge = nullptr;

  metrics::labels labels() const {
    return {{"component", component}, {"op", op}, {"placement", placement}};
  }
};

struct series_key {
  const char* op;
  std::string component;
  bool remote;
  const std::string* caller;
  bool operator==(const series_key& o) const {
    return op == o.op && remote == o.remote && caller == o.caller && component == o.component;
  }
};

struct series_key_hash {
  size_t operator()(const series_key& k) const {
    return std::hash<std::string>{}(k.component) ^ (std::hash<const void*>{}(k.op) << 1) ^
           static_cast<size_t>(k.remote) ^ (std::hash<const void*>{}(k.caller) << 2);
  }
};

}  // namespace

void record_call(const std::string* caller, const std::string& component, const char* op,
                 bool remote, const caf::error& err, std::chrono::steady_clock::duration elapsed) {
  thread_local std::unordered_map<series_key, std::unique_ptr<call_series>, series_key_hash> cache;
  // Consecutive calls on a thread mostly go to the same operation: check that one first, which
  // spares building a key (a string copy) and a hash lookup.
  thread_local call_series* last = nullptr;
  thread_local bool last_remote = false;
  thread_local const std::string* last_caller = nullptr;
  call_series* series = last;
  if (series == nullptr || series->op != op || last_remote != remote || last_caller != caller ||
      series->component != component) {
    auto& slot = cache[series_key{op, component, remote, caller}];
    if (!slot)
      slot = std::make_unique<call_series>(call_series{component,
                                                       op,
                                                       remote ? "remote" : "local",
                                                       {},
                                                       std::nullopt,
                                                       &new_call_edge_cell(caller, component)});
    series = slot.get();
    last = series;
    last_remote = remote;
    last_caller = caller;
  }
  auto& slot = *series;
  auto& reg = metrics::default_registry();
  auto outcome = outcome_index(err);
  auto& calls = slot.calls[outcome];
  if (!calls) {
    auto labels = slot.labels();
    labels["outcome"] = outcome_name(outcome);
    calls = reg.counter(metrics::names::cleave_calls_total.name,
                        metrics::names::cleave_calls_total.help, labels);
  }
  calls->inc();
  if (!slot.duration)
    slot.duration = reg.histogram(metrics::names::cleave_call_duration_seconds.name,
                                  metrics::names::cleave_call_duration_seconds.help, slot.labels());
  slot.duration->observe(elapsed);
  slot.edge->record(outcome != 0, elapsed);
}

}  // namespace cleave::detail
