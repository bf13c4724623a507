// `cleave deploy FILE --to systemd|compose|kubernetes [options]`: the command line around
// deploy.hpp (docs/deploy.md).
#pragma once

namespace cleave::tool {

/// The usage lines of `cleave deploy`, for the tool's usage text.
extern const char* const deploy_usage;

/// Runs `cleave deploy` with the tool's `argv` (argv[1] is "deploy"). Returns the exit code: 0
/// when the files were written, 2 for a bad command line or a placement that cannot be deployed
/// as asked, 1 when a file could not be written.
int deploy_main(int argc, char** argv);

}  // namespace cleave::tool
