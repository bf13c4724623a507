#include "runtime/core/detail/module_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/core/error.hpp"

namespace cleave::detail {

namespace {

/// The folder of the running executable ("" if unknown).
std::string executable_dir() {
  char buf[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path{buf, static_cast<size_t>(n)};
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

}  // namespace

caf::expected<const void*> load_module_table(const module_spec& spec) {
  auto dir = executable_dir();
  std::vector<std::string> folders;
  if (!dir.empty()) {
    folders.push_back(dir + "/");
    folders.push_back(std::filesystem::path{dir + "/../lib/cleave/"}.lexically_normal().string());
  }
  std::vector<std::string> candidates;
  candidates.reserve(folders.size() + 1);
  for (const auto& folder : folders) candidates.push_back(folder + spec.file);
  // No slash: the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache, system folders).
  candidates.emplace_back(spec.file);
  std::string why;
  for (const auto& path : candidates) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == nullptr) {
      const char* error = ::dlerror();
      // A file that is there but cannot be loaded (a dependency missing) is the answer; a
      // missing one is not.
      bool there = path.find('/') != std::string::npos && ::access(path.c_str(), F_OK) == 0;
      if (why.empty() || there) why = error != nullptr ? error : "cannot open " + path;
      continue;
    }
    using entry_fn = const void* (*)();
    auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, spec.entry));
    if (entry == nullptr) return make_error(errc::unavailable, path + " has no " + spec.entry);
    const void* table = entry();
    // Every table starts with its uint32_t ABI number (load_module checks the table's type).
    uint32_t abi = table != nullptr ? *static_cast<const uint32_t*>(table) : 0;
    if (abi != spec.abi)
      return make_error(errc::unavailable, path + " comes from another build of cleave (ABI " +
                                               std::to_string(abi) + ", this one " +
                                               std::to_string(spec.abi) + ")");
    return table;
  }
  std::string looked;
  for (const auto& folder : folders) looked += folder + ", ";
  looked += "then the dynamic loader's search path";
  return make_error(errc::unavailable, std::string{"cannot load "} + spec.file + " (" +
                                           spec.needed_for + "): looked in " + looked +
                                           "; it belongs beside the binary: " + why);
}

}  // namespace cleave::detail
