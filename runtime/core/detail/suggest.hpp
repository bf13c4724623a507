// The words of an "unknown key" error, the same for placement files and component configs:
//   unknown key, expected one of "timeout_ms", "log_calls"; did you mean "timeout_ms"?
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cleave::detail {

/// Levenshtein distance between `a` and `b`.
size_t edit_distance(std::string_view a, std::string_view b);

/// `name` in double quotes, escaped as a JSON string.
std::string quoted(std::string_view name);

/// "; did you mean "timeout_ms"?" when a candidate is a likely typo of `found`, else "".
template <class Names>
std::string suggestion(std::string_view found, const Names& candidates) {
  std::string best;
  size_t best_distance = 3;  // more than two edits away is a different word, not a typo
  for (const auto& c : candidates) {
    auto d = edit_distance(found, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best.empty() ? "" : "; did you mean " + quoted(best) + "?";
}

/// "\"a\", \"b\"".
template <class Names>
std::string quoted_list(const Names& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + quoted(n);
  return out;
}

/// "unknown key, expected one of ...; did you mean ...?"
template <class Names>
std::string unknown_key_text(std::string_view key, const Names& allowed) {
  return "unknown key, expected one of " + quoted_list(allowed) + suggestion(key, allowed);
}

}  // namespace cleave::detail
