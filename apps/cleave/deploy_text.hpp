// Text formats of the deployment files `cleave deploy` writes: block-style YAML (Compose,
// Kubernetes) and indented JSON (the placement), both rendered from Boost.JSON values so that each
// target builds its objects as data and never concatenates YAML by hand.
//
//   boost::json::object svc{{"image", "cleave-banano:latest"}, {"ports", {"8080:8080"}}};
//   std::string text = cleave::tool::yaml_text(svc);   // "image: cleave-banano:latest\n..."
//   std::string json = cleave::tool::pretty_json(svc);  // "{\n  \"image\": ...\n}\n"
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace cleave::tool {

/// `v` as block-style YAML ending with a newline. Strings are written plain when YAML would read
/// them back as the same string, double-quoted (JSON escapes) otherwise, and as a literal block
/// (`|`) when they span lines.
std::string yaml_text(const boost::json::value& v);

/// `v` as JSON indented by two spaces per level, ending with a newline.
std::string pretty_json(const boost::json::value& v);

/// `value` with every '$' doubled: Compose interpolates `$` in its files and Kubernetes expands
/// "$(VAR)" in env values and args, and both read "$$" as a literal '$'.
std::string dollars_literal(const std::string& value);

/// True if `s` can be written as a plain YAML scalar and read back as that string (by YAML 1.1
/// and 1.2 readers alike).
bool plain_yaml_scalar(std::string_view s);

}  // namespace cleave::tool
