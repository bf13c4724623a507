// The placement of the replicas benchmark, written at run time (ports are picked then):
//
//   node     components
//   caller   echo-local, a replica of echo-local-rr and echo-local-lo   (the driver, in-process)
//   r1       echo-single, a replica of echo-rr, echo-lo, echo-rr-r1-r3  (a child process)
//   r2       echo-single-r2, a replica of echo-rr and echo-lo           (a child process)
//   r3       the other replica of echo-local-rr, echo-local-lo and      (never started)
//            echo-rr-r1-r3
//
// So each caller-side choice is there side by side in one cluster: a plain local component, a
// replicated one whose only replica up is the caller's own, one remote node, two remote replicas,
// two remote replicas of which one is up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bench_replicas {

/// The nodes, in the order free ports are handed to them.
const std::vector<std::string>& node_names();

/// The placement above at 127.0.0.1 and `ports` (by node name); a call's deadline is 2 s.
std::string placement_text(const std::map<std::string, uint16_t>& ports);

}  // namespace bench_replicas
