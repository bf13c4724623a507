#include "bench/shop/events_app.hpp"

#include <atomic>
#include <memory>
#include <mutex>

#include <caf/event_based_actor.hpp>

#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"

namespace bench_events {

namespace {

struct sink_log {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::atomic<int64_t> seen{0};
};

sink_log& sink() {
  static sink_log log;
  return log;
}

}  // namespace

int64_t pongs_seen() {
  return sink().seen.load();
}

std::chrono::steady_clock::time_point pong_arrival(int64_t seq) {
  std::lock_guard<std::mutex> guard{sink().mutex};
  auto i = static_cast<size_t>(seq);
  return i < sink().arrivals.size() ? sink().arrivals[i] : std::chrono::steady_clock::time_point{};
}

void reset_sink(int64_t max_seq) {
  std::lock_guard<std::mutex> guard{sink().mutex};
  sink().arrivals.assign(static_cast<size_t>(max_seq) + 1, {});
  sink().seen = 0;
}

std::vector<cleave::component> app_components() {
  auto source = cleave::component::make<emit>("source", [](caf::event_based_actor* self,
                                                           const cleave::component_context&) {
    return cleave::handlers([self](const emit& e) { cleave::publish(self, "ping", ping{e.seq}); });
  });
  auto echoer = cleave::component::make<ping>("echoer", [](caf::event_based_actor* self,
                                                           const cleave::component_context&) {
                  return cleave::handlers(
                      [self](const ping& p) { cleave::publish(self, "pong", pong{p.seq}); });
                }).subscribe<ping>("ping");
  auto sink_component = cleave::component::make<pong>("sink", [](caf::event_based_actor*,
                                                                 const cleave::component_context&) {
                          return cleave::handlers([](const pong& p) {
                            auto now = std::chrono::steady_clock::now();
                            {
                              std::lock_guard<std::mutex> guard{sink().mutex};
                              auto i = static_cast<size_t>(p.seq);
                              if (i < sink().arrivals.size()) sink().arrivals[i] = now;
                            }
                            ++sink().seen;
                          });
                        }).subscribe<pong>("pong");
  return {std::move(source), std::move(echoer), std::move(sink_component)};
}

}  // namespace bench_events
