// The embedded SQLite state backend: one database file per component instance, one table of
// (collection, key) -> JSON text. WAL journal with synchronous=FULL: a commit returns after its
// write-ahead log is fsync'ed, so what was acknowledged survives kill -9 and power loss (as far as
// the disk keeps its promise). Writers wait up to busy_timeout for one another.
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "runtime/state/backend.hpp"

namespace cleave::detail {

/// Opens (creating) the database at `path`; its folder must exist.
caf::expected<std::unique_ptr<state_backend>> open_sqlite_backend(const std::string& path);

}  // namespace cleave::detail
