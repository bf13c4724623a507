#include "runtime/component/detail/type_registry.hpp"

namespace cleave::detail {

bool type_registry::record(const std::string& name, std::type_index type) {
  auto [i, added] = types_.emplace(name, type);
  if (!added && i->second != type && !error_)
    error_ = make_error(errc::internal, "two message types share the name \"" + name +
                                            "\": names must be unique within an app");
  return added;
}

std::vector<std::string> type_registry::names() const {
  std::vector<std::string> out;
  for (const auto& kv : types_) out.push_back(kv.first);
  return out;
}

}  // namespace cleave::detail
