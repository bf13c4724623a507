#include "runtime/transport/detail/tls_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <mutex>
#include <vector>

#include "runtime/core/error.hpp"

namespace cleave::transport::detail {

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

caf::expected<const tls_library*> load() {
  auto dir = executable_dir();
  std::vector<std::string> candidates;
  if (!dir.empty()) {
    candidates.push_back(dir + "/" + tls_library_file);
    candidates.push_back(dir + "/../lib/cleave/" + tls_library_file);
  }
  // No slash: the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache, system folders).
  candidates.emplace_back(tls_library_file);
  std::string why;
  for (const auto& path : candidates) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == nullptr) {
      const char* error = ::dlerror();
      // A file that is there but cannot be loaded is the answer; a missing one is not.
      if (why.empty() || ::access(path.c_str(), F_OK) == 0)
        why = error != nullptr ? error : "cannot open " + path;
      continue;
    }
    using entry_fn = const tls_library* (*)();
    auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, tls_library_entry));
    if (entry == nullptr)
      return make_error(errc::unavailable, path + " has no " + tls_library_entry);
    const tls_library* lib = entry();
    if (lib == nullptr || lib->abi != tls_library_abi)
      return make_error(errc::unavailable, path + " comes from another build of cleave (ABI " +
                                               std::to_string(lib != nullptr ? lib->abi : 0) +
                                               ", this one " + std::to_string(tls_library_abi) +
                                               ")");
    return lib;
  }
  auto where = dir.empty() ? std::string{"beside the binary"} : dir + "/";
  return make_error(errc::unavailable,
                    std::string{"cannot load "} + tls_library_file +
                        " (mutual TLS between nodes and making certificates need it; a "
                        "placement with security.insecure does not): it belongs in " +
                        where + ": " + why);
}

}  // namespace

caf::expected<const tls_library*> tls() {
  static const caf::expected<const tls_library*> loaded = load();
  return loaded;
}

caf::expected<std::shared_ptr<const tls_context>> load_tls_context(const tls_files& files,
                                                                   std::set<std::string> allowed) {
  auto lib = tls();
  if (!lib) return std::move(lib.error());
  std::shared_ptr<const tls_context> out;
  auto err = (*lib)->load_context(files, std::move(allowed), out);
  if (!err.empty()) return make_error(errc::unavailable, err);
  return out;
}

}  // namespace cleave::transport::detail
