// Routing of HTTP requests: method + path pattern -> a route, or why none matched (404 / 405).
//
//   cleave::router r;
//   r.add("GET", "/things/{id}", 0);
//   r.add("POST", "/things", 1);
//   auto m = r.find("GET", "/things/d%201");   // found, target 0, params {"id": "d 1"}
//   auto n = r.find("PUT", "/things");         // method_not_allowed, allowed {"POST"}
//
// A pattern is a path whose segments are literals or `{name}` wildcards matching one whole,
// non-empty segment. Path segments are percent-decoded after splitting, so "%2F" inside a segment
// stays inside its parameter. When several patterns match a path, the most specific one wins (the
// first segment where they differ is a literal rather than a wildcard): "/things/new" beats
// "/things/{id}" - unless only the less specific one has the request's method.
//
// The router knows nothing of handlers: a route's target is an index the caller chooses.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cleave {

/// The names of the `{params}` of `pattern`, in order; throws std::invalid_argument naming the
/// problem if the pattern is malformed (not starting with '/', a '{' or '}' that is not a whole
/// segment wildcard, a wildcard name that is not an identifier, a name used twice).
std::vector<std::string> route_params(std::string_view pattern);

class router {
 public:
  // -- member types -------------------------------------------------------------------------------

  struct match {
    enum class kind { found, not_found, method_not_allowed };

    kind result = kind::not_found;
    /// found: the target given to `add`.
    size_t target = 0;
    /// found: the pattern that matched, e.g. "/things/{id}".
    std::string pattern;
    /// found: the decoded values of the pattern's wildcards.
    std::map<std::string, std::string> params;
    /// method_not_allowed: the methods the path has, sorted.
    std::vector<std::string> allowed;
  };

  // -- building -----------------------------------------------------------------------------------

  /// Routes `method` requests for paths matching `pattern` to `target`; throws
  /// std::invalid_argument for a malformed pattern or a method + pattern routed already.
  void add(std::string method, std::string_view pattern, size_t target);

  // -- lookup -------------------------------------------------------------------------------------

  /// The route for `method` and `path` (the path without its query, still percent-encoded).
  match find(std::string_view method, std::string_view path) const;

  /// The value of an `Allow` header for `methods`: "GET, POST".
  static std::string allow_header(const std::vector<std::string>& methods);

 private:
  struct segment {
    /// The literal, or the wildcard's name.
    std::string text;
    bool wildcard = false;
  };

  struct entry {
    std::string pattern;
    std::vector<segment> segments;
    /// method -> target
    std::map<std::string, size_t, std::less<>> methods;
  };

  /// True if `a` is more specific than `b` (both matched the same path).
  static bool more_specific(const entry& a, const entry& b);

  std::vector<entry> entries_;
};

/// Percent-decodes a path segment or a query value; a '%' not followed by two hex digits stays as
/// it is, so that a sloppy client gets a 404 or its literal text rather than a different path.
std::string percent_decode(std::string_view in);

}  // namespace cleave
