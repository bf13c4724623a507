// libFuzzer target: placement files. The input is a placement file's text; it is parsed, expanded
// (with a fake environment), overridden and validated as `load_placement` does, and then changed
// by a few `--set` overrides of its own. Any outcome is fine except a crash, a sanitizer report, a
// leak or an exception: parse_placement promises never to throw.
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/core/error.hpp"
#include "runtime/placement/json_text.hpp"
#include "runtime/placement/overrides.hpp"
#include "runtime/placement/placement.hpp"

namespace {

namespace internal = cleave::placement_internal;

/// A fixed environment: `${PORT}`, `${HOST}` and `${EMPTY}` are set, nothing else is.
std::optional<std::string> fake_getenv(const std::string& name) {
  if (name == "PORT") return "17101";
  if (name == "HOST") return "127.0.0.1";
  if (name == "EMPTY") return "";
  return std::nullopt;
}

const cleave::placement_options& options() {
  static const cleave::placement_options opts = [] {
    cleave::placement_options o;
    o.getenv = fake_getenv;
    o.known_components = {"banano-driver", "thingey-repo", "thingey-store", "gateway"};
    return o;
  }();
  return opts;
}

const cleave::placement_options& options_with_overrides() {
  static const cleave::placement_options opts = [] {
    cleave::placement_options o;
    o.getenv = fake_getenv;
    o.overrides = {"defaults.timeout_ms=500", "nodes.main.port=${PORT}",
                   "components.thingey-store.config.capacity=[1,{\"a\":null}]"};
    return o;
  }();
  return opts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  // Errors are a fine answer; only their text is touched, so that a bad message (reading past a
  // buffer while pointing at the line and column) is caught too.
  if (auto p = cleave::parse_placement(text, "fuzz.json", options()); !p) {
    (void)cleave::describe(p.error());
  } else {
    (void)cleave::plan_text(*p);
    for (const auto& [name, spec] : p->nodes) (void)p->components_on(name);
    (void)p->only_node();
  }
  if (auto p = cleave::parse_placement(text, "fuzz.json", options_with_overrides()); !p)
    (void)cleave::describe(p.error());

  // The input as an override: "path=value" applied to a small document, as `--set` does.
  auto doc = internal::parse_json_text(R"({"nodes": {"main": {"port": 1}}, "defaults": {}})", "t");
  if (!doc) __builtin_trap();
  internal::value_origins origins;
  std::string assignment{text.substr(0, 4096)};
  if (auto err = internal::apply_override(*doc, assignment, origins)) (void)cleave::describe(err);
  (void)internal::origin_note(origins, "nodes.main.port");
  (void)internal::render_value(*doc);
  return 0;
}
