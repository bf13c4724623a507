// Loading cleave's own optional libraries (libcleave_tls.so, libcleave_nats.so): code that needs a
// big dependency (OpenSSL, the NATS C client) lives in a module that the runtime loads on first
// use, so that a process maps the dependency only if its placement needs it. Each module exports
// one extern "C" function that returns its table of functions (as `const void*`, so that the
// loader calls it through its own type); the table's first member is the ABI number of the build
// that made it.
//
//   struct my_library { uint32_t abi; int (*answer)(); };              // seen by both sides
//   extern "C" __attribute__((visibility("default"))) const void* cleave_my_library();  // module
//   auto lib = load_module<my_library>({"libcleave_my.so", "cleave_my_library", 1,
//                                       "doing my thing needs it"});
//   if (!lib) return lib.error();   // unavailable: names the file, where it looked and why
//   (*lib)->answer();
//
// A module is looked for beside the executable (build/bin/, and an installed binary's
// ../lib/cleave/), then where the dynamic loader looks. It is never unloaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <caf/expected.hpp>

namespace cleave::detail {

/// Which module to load and what it is for.
struct module_spec {
  /// Its file name, e.g. "libcleave_tls.so".
  const char* file;
  /// The one symbol it exports, `extern "C" const void* entry()`: returns its table.
  const char* entry;
  /// The ABI number its table must start with: module and runtime come from the same build.
  uint32_t abi;
  /// What needs it, for the error when it cannot be loaded, e.g. "\"nats\" event topics need it".
  const char* needed_for;
};

/// Loads module `spec.file` and returns its table, whose first member (a uint32_t) must be
/// `spec.abi`; unavailable, saying where it looked and why, if there is no usable one. Each call
/// loads anew (the dynamic loader keeps one copy): callers keep the answer.
caf::expected<const void*> load_module_table(const module_spec& spec);

/// load_module_table for a table of type `Table`, which starts with `uint32_t abi`.
template <class Table>
caf::expected<const Table*> load_module(const module_spec& spec) {
  static_assert(std::is_standard_layout_v<Table> && offsetof(Table, abi) == 0 &&
                    std::is_same_v<decltype(Table::abi), uint32_t>,
                "a module's table starts with uint32_t abi");
  auto table = load_module_table(spec);
  if (!table) return std::move(table.error());
  return static_cast<const Table*>(*table);
}

}  // namespace cleave::detail
