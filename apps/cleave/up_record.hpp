// What `cleave up` knows and a node cannot say once it has exited: which nodes finished (exit code
// 0, as a node running a driver does when its scenario is done). `cleave up` keeps it in a file
// beside the placement while it runs; `cleave status` reads it to report such a node as finished
// rather than unreachable.
#pragma once

#include <map>
#include <string>

namespace cleave::tool {

/// "<placement's folder>/.cleave/<placement's file name>.up.json".
std::string up_record_file(const std::string& placement_file);

struct finished_node {
  /// When it finished (UTC, ISO 8601).
  std::string at;
  /// "host:port" it had: the same placement may run again elsewhere with other ports (--set).
  std::string address;
};

/// By node name.
using finished_nodes = std::map<std::string, finished_node>;

/// Writes the record (replacing the file at once, never half-written); false if it cannot.
bool write_up_record(const std::string& file, const finished_nodes& finished);

/// The nodes the running `cleave up` saw finish; none if no `cleave up` of this placement runs
/// (no file, or one left by a `cleave up` that is gone) or the file cannot be read.
finished_nodes read_up_record(const std::string& file);

}  // namespace cleave::tool
