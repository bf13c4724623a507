// Counters and histograms with labels, rendered as Prometheus text and as expvar-style JSON.
//
// The gateway, the call path and the middleware record into a registry; `GET /metrics` and
// `GET /debug/vars` render it. Finding or creating a series takes a lock; recording into the
// handle it returns is a lock-free atomic operation, so a handle may be kept and used on a hot
// path:
//
//   auto& reg = cleave::metrics::default_registry();
//   auto calls = reg.counter("cleave_calls_total", "Calls made to components.",
//                            {{"component", "store"}, {"op", "get"}, {"placement", "local"},
//                             {"outcome", "ok"}});
//   calls.inc();
//   auto took = reg.histogram("cleave_call_duration_seconds", "Duration of calls.",
//                             {{"component", "store"}, {"op", "get"}, {"placement", "local"}});
//   took.observe(std::chrono::microseconds{3100});   // or took.observe(0.0031)
//   std::string body = reg.prometheus_text();      // serve with prometheus_content_type
//
// A series is identified by its name and its label set; labels are kept sorted by name, so the
// order they are given in does not matter. All series of one name share the help text and type of
// the first one registered, its label names and, for histograms, its buckets. A request that
// contradicts the first registration, or an invalid metric or label name, is a bug in the caller
// (names are constants in code, not input), so it throws std::invalid_argument at once rather than
// exporting text that Prometheus would refuse.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace cleave::metrics {

/// Label names to values. A std::map, so a label set is sorted by name whatever the order given.
using labels = std::map<std::string, std::string>;

/// The Content-Type of `registry::prometheus_text()`: the text exposition format 0.0.4.
inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

/// The Prometheus clients' default histogram buckets, in seconds:
/// .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 (and +Inf, which every histogram has implicitly).
const std::vector<double>& default_buckets();

namespace detail {

struct counter_cell {
  std::atomic<uint64_t> value{0};
};

struct gauge_cell {
  std::atomic<int64_t> value{0};
};

struct histogram_cell {
  explicit histogram_cell(std::vector<double> upper_bounds);
  /// Finite upper bounds, strictly ascending; the +Inf bucket is implicit.
  const std::vector<double> bounds;
  /// One count per bucket, bounds.size() + 1 of them (the last is +Inf); not cumulative, so that
  /// an observation is one atomic increment.
  const std::unique_ptr<std::atomic<uint64_t>[]> counts;
  std::atomic<double> sum{0};
};

}  // namespace detail

/// A handle to one counter series: a monotonically increasing count.
class counter {
 public:
  /// Adds `n`; lock-free (the handle points at the series: a const handle counts too).
  void inc(uint64_t n = 1) const noexcept { cell_->value.fetch_add(n, std::memory_order_relaxed); }

  /// The current value.
  uint64_t value() const noexcept { return cell_->value.load(std::memory_order_relaxed); }

 private:
  friend class registry;
  explicit counter(std::shared_ptr<detail::counter_cell> cell) : cell_(std::move(cell)) {}
  // Shared with the registry, so a handle stays valid even if it outlives its registry.
  std::shared_ptr<detail::counter_cell> cell_;
};

/// A handle to one gauge series: a value that goes up and down (a state, a size).
class gauge {
 public:
  /// Sets the value; lock-free.
  void set(int64_t v) const noexcept { cell_->value.store(v, std::memory_order_relaxed); }

  int64_t value() const noexcept { return cell_->value.load(std::memory_order_relaxed); }

 private:
  friend class registry;
  explicit gauge(std::shared_ptr<detail::gauge_cell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::gauge_cell> cell_;
};

/// A handle to one histogram series: counts observations into fixed buckets, plus their sum.
class histogram {
 public:
  // -- member types ---------------------------------------------------------

  /// A copy of a histogram's state, with cumulative bucket counts as Prometheus exports them.
  struct snapshot {
    /// Finite upper bounds; the last entry of `cumulative` is the implicit +Inf bucket.
    std::vector<double> bounds;
    /// cumulative[i] = observations <= bounds[i]; cumulative.back() == count.
    std::vector<uint64_t> cumulative;
    uint64_t count = 0;
    double sum = 0;
  };

  // -- recording ------------------------------------------------------------

  /// Records `v` in the first bucket whose bound is >= v; lock-free. NaN is ignored: it would
  /// make the sum NaN for the life of the process.
  void observe(double v) noexcept;

  /// Records a duration, in seconds.
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> d) noexcept {
    observe(std::chrono::duration<double>{d}.count());
  }

  // -- reading --------------------------------------------------------------

  snapshot read() const;

 private:
  friend class registry;
  explicit histogram(std::shared_ptr<detail::histogram_cell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::histogram_cell> cell_;
};

/// A thread-safe set of metric families, each a name with its series.
class registry {
 public:
  // -- member types ---------------------------------------------------------

  struct options {
    /// Also export process_resident_memory_bytes, process_threads and process_uptime_seconds
    /// (read from /proc at each rendering). Default true.
    bool process_metrics = true;
  };

  // -- constructors ---------------------------------------------------------

  registry();
  explicit registry(options opts);
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // -- series ---------------------------------------------------------------

  /// The counter series `name{labels}`, created at 0 on first use; the same series on later calls.
  /// Throws std::invalid_argument if it contradicts the family's first registration (see top).
  metrics::counter counter(const std::string& name, const std::string& help,
                           const labels& label_set = {});

  /// The gauge series `name{labels}`, created at 0 on first use. Throws as `counter` does.
  metrics::gauge gauge(const std::string& name, const std::string& help,
                       const labels& label_set = {});

  /// The histogram series `name{labels}` with `buckets` (finite, strictly ascending upper bounds).
  /// Throws std::invalid_argument as `counter` does, and also for a label named "le" or bad
  /// buckets.
  metrics::histogram histogram(const std::string& name, const std::string& help,
                               const labels& label_set = {},
                               const std::vector<double>& buckets = default_buckets());

  // -- rendering ------------------------------------------------------------

  /// Every family in the Prometheus text exposition format 0.0.4: families sorted by name, then
  /// the process gauges.
  std::string prometheus_text() const;

  /// Every series as one JSON object (expvar style): counters as numbers, keyed "name" or
  /// `name{label="value",...}`; histograms as
  /// {"count":n,"sum":s,"buckets":{"0.005":n,...,"+Inf":n}} with cumulative counts; process gauges
  /// as numbers.
  boost::json::object expvar() const;

  /// `expvar()` as JSON text.
  std::string expvar_json() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The process-wide registry (created on first use, never destroyed, so handles and threads that
/// record during exit stay safe).
registry& default_registry();

}  // namespace cleave::metrics
