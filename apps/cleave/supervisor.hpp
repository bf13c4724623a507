// `cleave up`: runs every node of a placement as a child process on this machine, prefixes each
// line they print with the node's name, restarts a node that crashes (with backoff, giving up
// after repeated fast failures; not at all with "defaults.restart": "never"), and stops them all
// on SIGINT/SIGTERM. A restarted node gets CLEAVE_RESTARTS=N in its environment, the times it was
// restarted, which it reports to `cleave status`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cleave::tool {

struct node_command {
  /// Node name, used as the output prefix.
  std::string name;
  /// Program and arguments.
  std::vector<std::string> argv;
  /// "host:port" where it accepts peers, for the record of finished nodes.
  std::string address = {};
};

struct supervisor_options {
  /// Restart a node that exits with a failure (the placement's "defaults.restart":
  /// "on-failure"); false ("never"): such an exit stops every node.
  bool restart = true;
  /// Wait before the first restart of a crashed node; doubled per consecutive fast failure.
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  /// A node that dies sooner than this after its start failed "fast".
  std::chrono::milliseconds fast_failure{2000};
  /// This many fast failures in a row make the supervisor give up (and stop every node).
  int max_fast_failures = 5;
  /// How long stopping nodes get after SIGTERM before SIGKILL.
  std::chrono::milliseconds stop_timeout{10000};
  /// Where the nodes that finished are recorded while this runs, for `cleave status`
  /// (up_record.hpp); removed when it returns. Empty: not recorded.
  std::string record_file;
};

/// Runs `nodes` until SIGINT/SIGTERM (exit code 0), until every node has exited 0 (0), or until
/// a node cannot start or keeps crashing (1).
int supervise(const std::vector<node_command>& nodes, const supervisor_options& options);

}  // namespace cleave::tool
