// Changes made to a parsed placement document before it is validated: `${VAR}` expansion in string
// values and `--set path.to.field=value` overrides from the command line.
//
// Internal to cleave_placement; placement.cpp runs them in this order:
//
//   value_origins origins;
//   if (auto err = expand_env(doc, "local.json", getenv, origins)) return err;
//   if (auto err = apply_override(doc, "nodes.store.port=17101", origins)) return err;
//   ... origin_note(origins, "nodes.store.port")   // "set by --set nodes.store.port=17101"
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/json/value.hpp>
#include <caf/error.hpp>

namespace cleave::placement_internal {

/// Reads an environment variable: its value, or nothing if it is unset.
using getenv_function = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment (std::getenv).
std::optional<std::string> process_getenv(const std::string& name);

/// Where values that were not written literally in the file came from, by JSON path: an error
/// about such a value then says so, since the file alone would not explain it.
using value_origins = std::map<std::string, std::string>;

/// Replaces `${VAR}` and `${VAR:-default}` in every string value of `doc` (keys are left alone).
/// The default applies when VAR is unset or empty, as in the shell. Errors name `origin` and the
/// JSON path: an unset variable without default, an unclosed `${`, a bad variable name.
caf::error expand_env(boost::json::value& doc, const std::string& origin,
                      const getenv_function& getenv, value_origins& origins);

/// Applies one `assignment` "path.to.field=value" to `doc`: the value is read as JSON if it parses
/// as JSON, else taken as a string; missing objects on the path are created. Errors start with
/// "--set ASSIGNMENT: ".
caf::error apply_override(boost::json::value& doc, const std::string& assignment,
                          value_origins& origins);

/// The note about where the value at `path` (or the value containing it) came from, e.g.
/// "expanded from \"${PORT}\"", or "" if it was written in the file.
std::string origin_note(const value_origins& origins, const std::string& path);

}  // namespace cleave::placement_internal
