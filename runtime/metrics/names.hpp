// The metric names and help texts of the Observability contract (docs: /work/shared/design.md).
//
// Everything that records one of the contract's metrics takes its name and help from here, so the
// help text of a family is the same whichever piece of code registers it first:
//
//   using namespace cleave::metrics;
//   reg.counter(names::cleave_calls_total.name, names::cleave_calls_total.help,
//               {{"component", c}, {"op", op}, {"placement", "local"}, {"outcome", "ok"}});
#pragma once

namespace cleave::metrics::names {

struct metric_name {
  const char* name;
  const char* help;
};

/// Counter, labels method, route, code. Route is the pattern, or "unmatched".
inline constexpr metric_name http_requests_total{
    "http_requests_total", "HTTP requests answered, by method, route and code."};

/// Histogram (seconds), labels method, route.
inline constexpr metric_name http_request_duration_seconds{
    "http_request_duration_seconds", "Time from receiving an HTTP request to answering it."};

/// Counter, labels component, op, placement ("local" or "remote"), outcome ("ok" or an errc name).
inline constexpr metric_name cleave_calls_total{"cleave_calls_total",
                                                "Calls made to components, by outcome."};

/// Histogram (seconds), labels component, op, placement.
inline constexpr metric_name cleave_call_duration_seconds{
    "cleave_call_duration_seconds", "Time from making a call to a component to its completion."};

/// Gauges that every registry exports unless told not to (registry::options::process_metrics).
inline constexpr metric_name process_resident_memory_bytes{"process_resident_memory_bytes",
                                                           "Resident memory size in bytes."};
inline constexpr metric_name process_threads{"process_threads", "Number of OS threads."};
inline constexpr metric_name process_uptime_seconds{"process_uptime_seconds",
                                                    "Seconds since the process started."};

}  // namespace cleave::metrics::names
