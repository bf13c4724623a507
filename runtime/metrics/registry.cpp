#include "runtime/metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include <boost/json/serialize.hpp>

#include "runtime/metrics/names.hpp"
#include "runtime/metrics/process.hpp"

namespace cleave::metrics {

// -- buckets and cells --------------------------------------------------------

const std::vector<double>& default_buckets() {
  static const std::vector<double> buckets{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
  return buckets;
}

namespace detail {

histogram_cell::histogram_cell(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)),
      counts(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {
  for (size_t i = 0; i <= bounds.size(); ++i) counts[i].store(0, std::memory_order_relaxed);
}

}  // namespace detail

void histogram::observe(double v) noexcept {
  if (std::isnan(v)) return;
  const auto& bounds = cell_->bounds;
  // Prometheus buckets are "less than or equal": v == bound belongs to that bound's bucket.
  auto i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
  cell_->counts[i].fetch_add(1, std::memory_order_relaxed);
  // No fetch_add for atomic<double> before C++20: a CAS loop, still lock-free.
  double current = cell_->sum.load(std::memory_order_relaxed);
  while (!cell_->sum.compare_exchange_weak(current, current + v, std::memory_order_relaxed)) {
  }
}

histogram::snapshot histogram::read() const {
  snapshot out;
  out.bounds = cell_->bounds;
  out.cumulative.reserve(out.bounds.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= out.bounds.size(); ++i) {
    total += cell_->counts[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(total);
  }
  // The count is derived from the buckets rather than kept apart, so that +Inf == _count holds
  // even when a scrape races with observations.
  out.count = total;
  out.sum = cell_->sum.load(std::memory_order_relaxed);
  return out;
}

// -- registry internals -------------------------------------------------------

namespace {

enum class kind { counter, gauge, histogram };

const char* to_string(kind k) {
  return k == kind::counter ? "counter" : k == kind::gauge ? "gauge" : "histogram";
}

struct family {
  kind type;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  std::map<labels, std::shared_ptr<detail::counter_cell>> counters;
  std::map<labels, std::shared_ptr<detail::gauge_cell>> gauges;
  std::map<labels, std::shared_ptr<detail::histogram_cell>> histograms;
};

bool is_name_start(char c, bool colon_ok) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

bool is_name_char(char c, bool colon_ok) {
  return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

// Metric names may hold ':'; label names may not (Prometheus data model).
bool valid_name(const std::string& name, bool colon_ok) {
  if (name.empty() || !is_name_start(name[0], colon_ok)) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return is_name_char(c, colon_ok); });
}

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
  throw std::invalid_argument("metric '" + name + "': " + why);
}

std::vector<std::string> names_of(const labels& label_set) {
  std::vector<std::string> out;
  out.reserve(label_set.size());
  for (const auto& kv : label_set) out.push_back(kv.first);
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out = "{";
  for (const auto& n : names) out += (out.size() > 1 ? "," : "") + n;
  return out + "}";
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v);  // shortest text that reads back as v
  return std::string(buf, result.ptr);
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

// `{a="x",b="y"}` (with `extra` as a last label, used for `le`), or "" if there are no labels.
std::string label_text(const labels& label_set, const std::pair<const char*, std::string>* extra) {
  if (label_set.empty() && extra == nullptr) return {};
  std::string out = "{";
  auto add = [&](std::string_view key, std::string_view value) {
    if (out.size() > 1) out += ',';
    out += key;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (const auto& kv : label_set) add(kv.first, kv.second);
  if (extra != nullptr) add(extra->first, extra->second);
  return out + "}";
}

bool is_process_metric(const std::string& name) {
  return name == names::process_resident_memory_bytes.name || name == names::process_threads.name ||
         name == names::process_uptime_seconds.name;
}

}  // namespace

struct registry::impl {
  options opts;
  mutable std::shared_mutex mutex;
  std::map<std::string, family> families;

  // Returns the family `name`, creating it; throws if the request contradicts it. Called with
  // the lock held exclusively; validates everything before changing anything.
  family& admit(const std::string& name, const std::string& help, kind type,
                const labels& label_set, const std::vector<double>* buckets) {
    auto label_names = names_of(label_set);
    if (auto i = families.find(name); i != families.end()) {
      auto& fam = i->second;
      if (fam.type != type)
        refuse(name, std::string{"registered as a "} + to_string(fam.type) + ", asked for as a " +
                         to_string(type));
      if (fam.label_names != label_names)
        refuse(name, "registered with labels " + joined(fam.label_names) + ", asked for with " +
                         joined(label_names));
      if (buckets != nullptr && fam.bounds != *buckets)
        refuse(name, "registered with other buckets");
      return fam;
    }
    if (!valid_name(name, true)) refuse(name, "not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    if (opts.process_metrics && is_process_metric(name))
      refuse(name, "reserved for the registry's process gauges");
    for (const auto& label : label_names) {
      if (!valid_name(label, false))
        refuse(name, "label '" + label + "' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
      if (label.compare(0, 2, "__") == 0)
        refuse(name, "label '" + label + "': names starting with __ are reserved");
      if (type == kind::histogram && label == "le")
        refuse(name, "label 'le' is reserved for histogram buckets");
    }
    if (buckets != nullptr) {
      for (size_t i = 0; i < buckets->size(); ++i) {
        if (!std::isfinite((*buckets)[i])) refuse(name, "bucket bounds must be finite");
        if (i > 0 && !((*buckets)[i - 1] < (*buckets)[i]))
          refuse(name, "bucket bounds must be strictly ascending");
      }
    }
    auto& fam = families[name];
    fam.type = type;
    fam.help = help;
    fam.label_names = std::move(label_names);
    if (buckets != nullptr) fam.bounds = *buckets;
    return fam;
  }
};

// -- registry -----------------------------------------------------------------

registry::registry() : registry(options{}) {}

registry::registry(options opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = opts;
}

registry::~registry() = default;

metrics::counter registry::counter(const std::string& name, const std::string& help,
                                   const labels& label_set) {
  {
    // Fast path, taken by every use after the first: a shared lock and two map lookups.
    std::shared_lock<std::shared_mutex> guard{impl_->mutex};
    if (auto f = impl_->families.find(name);
        f != impl_->families.end() && f->second.type == kind::counter) {
      if (auto s = f->second.counters.find(label_set); s != f->second.counters.end())
        return metrics::counter{s->second};
    }
  }
  std::unique_lock<std::shared_mutex> guard{impl_->mutex};
  auto& fam = impl_->admit(name, help, kind::counter, label_set, nullptr);
  auto& cell = fam.counters[label_set];
  if (!cell) cell = std::make_shared<detail::counter_cell>();
  return metrics::counter{cell};
}

metrics::gauge registry::gauge(const std::string& name, const std::string& help,
                               const labels& label_set) {
  std::unique_lock<std::shared_mutex> guard{impl_->mutex};
  auto& fam = impl_->admit(name, help, kind::gauge, label_set, nullptr);
  auto& cell = fam.gauges[label_set];
  if (!cell) cell = std::make_shared<detail::gauge_cell>();
  return metrics::gauge{cell};
}

metrics::histogram registry::histogram(const std::string& name, const std::string& help,
                                       const labels& label_set,
                                       const std::vector<double>& buckets) {
  {
    std::shared_lock<std::shared_mutex> guard{impl_->mutex};
    if (auto f = impl_->families.find(name); f != impl_->families.end() &&
                                             f->second.type == kind::histogram &&
                                             f->second.bounds == buckets) {
      if (auto s = f->second.histograms.find(label_set); s != f->second.histograms.end())
        return metrics::histogram{s->second};
    }
  }
  std::unique_lock<std::shared_mutex> guard{impl_->mutex};
  auto& fam = impl_->admit(name, help, kind::histogram, label_set, &buckets);
  auto& cell = fam.histograms[label_set];
  if (!cell) cell = std::make_shared<detail::histogram_cell>(fam.bounds);
  return metrics::histogram{cell};
}

std::string registry::prometheus_text() const {
  std::string out;
  auto header = [&](const std::string& name, const std::string& help, const char* type) {
    out += "# HELP " + name + ' ';
    append_escaped(out, help, false);
    out += "\n# TYPE " + name + ' ' + type + '\n';
  };
  {
    std::shared_lock<std::shared_mutex> guard{impl_->mutex};
    for (const auto& [name, fam] : impl_->families) {
      header(name, fam.help, to_string(fam.type));
      for (const auto& [label_set, cell] : fam.counters)
        out += name + label_text(label_set, nullptr) + ' ' +
               std::to_string(cell->value.load(std::memory_order_relaxed)) + '\n';
      for (const auto& [label_set, cell] : fam.gauges)
        out += name + label_text(label_set, nullptr) + ' ' +
               std::to_string(cell->value.load(std::memory_order_relaxed)) + '\n';
      for (const auto& [label_set, cell] : fam.histograms) {
        auto snap = metrics::histogram{cell}.read();
        for (size_t i = 0; i < snap.cumulative.size(); ++i) {
          std::pair<const char*, std::string> le{
              "le", i < snap.bounds.size() ? format_value(snap.bounds[i]) : "+Inf"};
          out += name + "_bucket" + label_text(label_set, &le) + ' ' +
                 std::to_string(snap.cumulative[i]) + '\n';
        }
        auto series = label_text(label_set, nullptr);
        out += name + "_sum" + series + ' ' + format_value(snap.sum) + '\n';
        out += name + "_count" + series + ' ' + std::to_string(snap.count) + '\n';
      }
    }
  }
  if (impl_->opts.process_metrics) {
    auto stats = read_process_stats();
    auto gauge = [&](const names::metric_name& m, const std::string& value) {
      header(m.name, m.help, "gauge");
      out += std::string{m.name} + ' ' + value + '\n';
    };
    gauge(names::process_resident_memory_bytes, std::to_string(stats.resident_memory_bytes));
    gauge(names::process_threads, std::to_string(stats.threads));
    gauge(names::process_uptime_seconds, format_value(stats.uptime_seconds));
  }
  return out;
}

boost::json::object registry::expvar() const {
  boost::json::object out;
  {
    std::shared_lock<std::shared_mutex> guard{impl_->mutex};
    for (const auto& [name, fam] : impl_->families) {
      for (const auto& [label_set, cell] : fam.counters)
        out[name + label_text(label_set, nullptr)] = cell->value.load(std::memory_order_relaxed);
      for (const auto& [label_set, cell] : fam.gauges)
        out[name + label_text(label_set, nullptr)] = cell->value.load(std::memory_order_relaxed);
      for (const auto& [label_set, cell] : fam.histograms) {
        auto snap = metrics::histogram{cell}.read();
        boost::json::object buckets;
        for (size_t i = 0; i < snap.cumulative.size(); ++i)
          buckets[i < snap.bounds.size() ? format_value(snap.bounds[i]) : "+Inf"] =
              snap.cumulative[i];
        boost::json::object h;
        h["count"] = snap.count;
        // JSON has no infinities: an observed +Inf makes the sum unrepresentable.
        if (std::isfinite(snap.sum))
          h["sum"] = snap.sum;
        else
          h["sum"] = nullptr;
        h["buckets"] = std::move(buckets);
        out[name + label_text(label_set, nullptr)] = std::move(h);
      }
    }
  }
  if (impl_->opts.process_metrics) {
    auto stats = read_process_stats();
    out[names::process_resident_memory_bytes.name] = stats.resident_memory_bytes;
    out[names::process_threads.name] = stats.threads;
    out[names::process_uptime_seconds.name] = stats.uptime_seconds;
  }
  return out;
}

std::string registry::expvar_json() const {
  return boost::json::serialize(expvar());
}

registry& default_registry() {
  static auto* instance = new registry{};
  return *instance;
}

}  // namespace cleave::metrics
