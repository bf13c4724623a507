// The folder of the running benchmark program, where it finds the programs it starts.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace cleave_bench {

/// The running program's folder (from /proc/self/exe, else from `argv0`).
inline std::string own_directory(const char* argv0 = "") {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) self = std::filesystem::absolute(argv0);
  return self.parent_path().string();
}

}  // namespace cleave_bench
