// The driving loop shared by every variant: an event-based actor that keeps `window` calls
// outstanding and sends the next call from the reply handler (actor to actor, no blocking client).
// Only the call path differs between variants: cleave::call by name, or a raw CAF request.
//
//   auto d = spawn_driver(sys, call_target::by_name("echo"));
//   auto r = run_batch({d}, std::string(16, 'x'), 1000, 1, true);   // from a non-actor thread
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace inproc {

/// Where a driver's calls go.
struct call_target {
  /// cleave::call(self, component, req) when `raw` is null.
  std::string component;
  /// else self->request(raw, timeout, req): the raw CAF reference.
  caf::actor raw;

  static call_target by_name(std::string name) { return {std::move(name), nullptr}; }
  static call_target raw_actor(caf::actor a) { return {"", std::move(a)}; }
};

caf::actor spawn_driver(caf::actor_system& sys, call_target target);

/// What one batch measured.
struct batch_result {
  /// From the start of the batch until the last reply of every driver.
  std::chrono::duration<double> elapsed{0};
  /// Per-call round-trip times in µs (only if asked for; one driver with window 1).
  std::vector<double> samples_us;
  /// The first failure, if any call failed or the batch did not finish in time.
  std::string error;
};

/// Makes `drivers` complete `calls` echo calls with `payload` between them, each driver keeping
/// `window` calls outstanding, and waits (bounded) until they are done. Call from a non-actor
/// thread.
batch_result run_batch(const std::vector<caf::actor>& drivers, const std::string& payload,
                       int64_t calls, int window, bool record_samples);

/// Sends every driver an exit.
void stop_drivers(const std::vector<caf::actor>& drivers);

}  // namespace inproc
