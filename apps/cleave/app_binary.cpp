#include "apps/cleave/app_binary.hpp"

#include <unistd.h>

#include <climits>
#include <filesystem>

namespace cleave::tool {

std::string app_binary(const std::string& bin, const std::string& app) {
  if (!bin.empty()) return bin;
  char self[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return app;
  self[n] = '\0';
  return (std::filesystem::path{self}.parent_path() / app).string();
}

}  // namespace cleave::tool
