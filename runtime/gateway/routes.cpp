#include "runtime/gateway/routes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "runtime/core/error.hpp"
#include "runtime/gateway/detail/config_keys.hpp"
#include "runtime/gateway/router.hpp"

namespace cleave {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The media type of a Content-Type or Accept element, without parameters, lower case.
std::string media_type(std::string_view value) {
  return lower(trim(value.substr(0, value.find(';'))));
}

/// True if an Accept element's parameters say q=0 ("not acceptable").
bool refused(std::string_view range) {
  auto semi = range.find(';');
  while (semi != std::string_view::npos) {
    range.remove_prefix(semi + 1);
    semi = range.find(';');
    auto param = trim(range.substr(0, semi));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      auto q = std::strtod(std::string{param.substr(2)}.c_str(), nullptr);
      return q <= 0.0;
    }
  }
  return false;
}

/// True unless the Accept header lists media ranges none of which admits application/json.
bool accepts_json(std::string_view accept) {
  if (trim(accept).empty()) return true;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto range = accept.substr(0, comma);
    auto type = media_type(range);
    if ((type == "application/json" || type == "application/*" || type == "*/*") && !refused(range))
      return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

bool is_json_media_type(std::string_view content_type) {
  auto type = media_type(content_type);
  if (type == "application/json") return true;
  // Structured-syntax suffix (RFC 6839): application/problem+json, application/vnd.x+json.
  constexpr std::string_view suffix = "+json";
  return type.rfind("application/", 0) == 0 && type.size() > suffix.size() &&
         type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char* kind_name(detail::param_kind kind) {
  switch (kind) {
    case detail::param_kind::string:
      return "a string";
    case detail::param_kind::integer:
      return "an integer";
    case detail::param_kind::number:
      return "a number";
    case detail::param_kind::boolean:
      return "a boolean";
    case detail::param_kind::unsupported:
      break;
  }
  return "a value";
}

/// The JSON value of parameter `name` = `text` (a path segment or a query value: `where`) for a
/// field of kind `kind`.
caf::expected<boost::json::value> param_value(const std::string& name, const std::string& text,
                                              detail::param_kind kind,
                                              const char* where = "path segment") {
  auto fail = [&] {
    boost::json::value found(boost::json::string{text});  // braces would make an array
    return detail::json_type_error(name, std::string{kind_name(kind)} + " (" + where + ")", found);
  };
  const char* first = text.data();
  const char* last = text.data() + text.size();
  switch (kind) {
    case detail::param_kind::string:
      return boost::json::value(boost::json::string(text));
    case detail::param_kind::integer: {
      if (!text.empty() && text.front() == '-') {
        int64_t n = 0;
        auto [end, ec] = std::from_chars(first, last, n);
        if (ec != std::errc{} || end != last) return fail();
        return boost::json::value(n);
      }
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(first, last, n);
      if (ec != std::errc{} || end != last) return fail();
      // Signed where it fits, so that from_json sees the value as any client would send it.
      if (n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return boost::json::value(static_cast<int64_t>(n));
      return boost::json::value(n);
    }
    case detail::param_kind::number: {
      double d = 0;
      auto [end, ec] = std::from_chars(first, last, d);
      if (ec != std::errc{} || end != last || !std::isfinite(d)) return fail();
      return boost::json::value(d);
    }
    case detail::param_kind::boolean:
      if (text == "true") return boost::json::value(true);
      if (text == "false") return boost::json::value(false);
      return fail();
    case detail::param_kind::unsupported:
      break;
  }
  return fail();
}

}  // namespace

namespace detail {

void check_route_params(const std::string& pattern, const typed_route& route) {
  for (const auto& name : route_params(pattern)) {
    auto i = route.fields.find(name);
    if (i == route.fields.end())
      throw std::invalid_argument("route pattern \"" + pattern + "\": {" + name +
                                  "} is not a field of " + route.operation);
    if (i->second == param_kind::unsupported)
      throw std::invalid_argument("route pattern \"" + pattern + "\": field \"" + name + "\" of " +
                                  route.operation +
                                  " cannot come from a path segment (it is not a string, number "
                                  "or boolean)");
  }
}

void check_location(const std::string& location, const std::string& operation,
                    const std::map<std::string, param_kind>& response_fields) {
  auto where = "created_at \"" + location + "\" of the route for " + operation;
  std::vector<std::string> names;
  try {
    names = route_params(location);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
  if (response_fields.empty())
    throw std::invalid_argument(where + ": its response has no fields to fill a Location from");
  for (const auto& name : names) {
    auto i = response_fields.find(name);
    if (i == response_fields.end())
      throw std::invalid_argument(where + ": {" + name + "} is not a field of its response");
    if (i->second == param_kind::unsupported)
      throw std::invalid_argument(where + ": field \"" + name +
                                  "\" of its response is not a string, number or boolean");
  }
}

namespace {

/// `text` as one path segment: everything but RFC 3986's unreserved characters percent-encoded.
std::string path_segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    }
  }
  return out;
}

/// `location` with its {fields} filled from `reply`, or nothing if one of them is absent.
std::optional<std::string> fill_location(const std::string& location,
                                         const boost::json::value& reply) {
  const auto* fields = reply.if_object();
  if (fields == nullptr) return std::nullopt;
  std::string out;
  size_t pos = 0;
  while (pos < location.size()) {
    auto open = location.find('{', pos);
    if (open == std::string::npos) {
      out.append(location, pos);
      break;
    }
    auto close = location.find('}', open);
    out.append(location, pos, open - pos);
    auto name = location.substr(open + 1, close - open - 1);
    const auto* v = fields->if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_string())
      out += path_segment(v->get_string());
    else
      out += path_segment(json_text(*v));
    pos = close + 1;
  }
  return out;
}

}  // namespace

http_response success_reply(const boost::json::value& reply,
                            const std::optional<std::string>& created_at) {
  auto out = json_reply(200, json_text(reply));
  if (!created_at) return out;
  // Created either way; a Location is only given when every field it names has a value.
  out.status = 201;
  if (auto where = fill_location(*created_at, reply)) out.headers.emplace_back("Location", *where);
  return out;
}

/// A query name or value: '+' is a space, then percent-decoded.
std::string query_decode(std::string_view text) {
  std::string out{text};
  std::replace(out.begin(), out.end(), '+', ' ');
  return percent_decode(out);
}

/// Adds the query's parameters (`?user=u1&n=2`, percent-decoded, '+' a space) to `input` as the
/// fields they name, converted like path parameters. As strict as a body: a name that is no
/// field, a name given twice (in the query, or also in the path or the body) is refused.
caf::error merge_query(const http_request& req, const detail::typed_route& route,
                       boost::json::object& input) {
  std::set<std::string> seen;
  std::string_view rest = req.query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = query_decode(pair.substr(0, eq));
    auto text = eq == std::string_view::npos ? std::string{} : query_decode(pair.substr(eq + 1));
    auto kind = route.fields.find(name);
    if (kind == route.fields.end())
      return make_error(errc::invalid_argument,
                        "query parameter \"" + name + "\" is not a field of " + route.operation);
    if (!seen.insert(name).second || req.params.count(name) > 0 || input.contains(name))
      return make_error(errc::invalid_argument, "field \"" + name + "\" appears twice");
    auto value = param_value(name, text, kind->second, "query parameter");
    if (!value) return std::move(value.error());
    input[name] = std::move(*value);
  }
  return caf::none;
}

http_response decode_failure(const caf::error& err, std::string_view request_id) {
  return error_reply(400, describe(err), request_id);
}

http_handler make_typed_handler(std::shared_ptr<const typed_route> route,
                                const gateway_settings& settings) {
  if (!settings.caller)
    throw std::invalid_argument("typed route to " + route->component + ": no caller actor");
  auto timeout = route->timeout.value_or(settings.timeout);
  auto caller = settings.caller;
  auto errors = std::make_shared<const error_reporting>(
      error_reporting{settings.node, settings.name, settings.expose_errors});
  return [route = std::move(route), timeout, caller, errors](http_request& req,
                                                             http_respond respond) {
    const auto& id = req.request_id;
    if (!accepts_json(req.header("accept")))
      return respond(error_reply(406,
                                 "this route answers application/json only, which the Accept "
                                 "header \"" +
                                     req.header("accept") + "\" excludes",
                                 id));
    auto body = trim(req.body);
    auto content_type = req.header("content-type");
    if (!body.empty() && !content_type.empty() && !is_json_media_type(content_type))
      return respond(error_reply(
          415, "unsupported Content-Type \"" + content_type + "\": send application/json", id));
    boost::json::object input;
    if (!body.empty()) {
      auto parsed = parse_json(body);
      if (!parsed) return respond(decode_failure(parsed.error(), id));
      if (!parsed->is_object())
        return respond(
            decode_failure(json_type_error({}, "a JSON object as the request body", *parsed), id));
      input = std::move(parsed->get_object());
    }
    for (const auto& [name, text] : req.params) {
      auto value = param_value(name, text, route->fields.at(name));
      if (!value) return respond(decode_failure(value.error(), id));
      input[name] = std::move(*value);
    }
    if (auto err = merge_query(req, *route, input)) return respond(decode_failure(err, id));
    caf::timespan budget = timeout;
    if (req.deadline != std::chrono::steady_clock::time_point::max()) {
      auto left = req.deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero())
        return respond(error_reply(
            make_error(errc::deadline_exceeded, route->component + "." + route->operation +
                                                    ": the request's deadline passed before the "
                                                    "call"),
            id, *errors));
      budget = std::min<caf::timespan>(budget, left);
    }
    route->invoke(boost::json::value(std::move(input)),
                  call_site{caller, route->component, budget, req.request_id, req.deadline, errors,
                            route->created_at},
                  std::move(respond));
  };
}
}  // namespace detail

routes& routes::add_raw(std::string method, std::string pattern, http_sync_handler handler) {
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + ": no handler");
  route r{std::move(method), std::move(pattern), nullptr};
  r.raw = std::move(handler);
  return add_route(std::move(r));
}

routes& routes::add_route(route r) {
  // A throwaway router checks the pattern and duplicates now, where the app declares the route,
  // rather than when a node starts.
  router check;
  for (size_t i = 0; i < routes_.size(); ++i) check.add(routes_[i].method, routes_[i].pattern, i);
  check.add(r.method, r.pattern, routes_.size());
  routes_.push_back(std::move(r));
  return *this;
}

routes& routes::use(http_middleware mw) {
  if (!mw) throw std::invalid_argument("routes::use: empty middleware");
  return middleware_factory(
      [mw = std::move(mw)](const gateway_settings&) { return std::vector<http_middleware>{mw}; });
}

routes& routes::middleware_factory(middleware_factory_function f) {
  if (!f) throw std::invalid_argument("routes::middleware_factory: empty function");
  middleware_.push_back(std::move(f));
  return *this;
}

routes& routes::middleware_factory_first(middleware_factory_function f) {
  if (!f) throw std::invalid_argument("routes::middleware_factory_first: empty function");
  middleware_.insert(middleware_.begin(), std::move(f));
  return *this;
}

routes& routes::config_key(std::string key) {
  auto own = detail::gateway_own_config_keys();
  if (std::find(own.begin(), own.end(), key) != own.end())
    throw std::invalid_argument("gateway config key \"" + key + "\" is the gateway's own");
  if (std::find(extension_keys_.begin(), extension_keys_.end(), key) == extension_keys_.end())
    extension_keys_.push_back(std::move(key));
  return *this;
}

std::vector<http_middleware> routes::middleware(const gateway_settings& settings) const {
  std::vector<http_middleware> out;
  for (const auto& f : middleware_)
    for (auto& mw : f(settings)) {
      if (!mw) throw std::invalid_argument("a middleware factory returned an empty middleware");
      out.push_back(std::move(mw));
    }
  return out;
}

bool routes::contains(const std::string& method, const std::string& pattern) const {
  return std::any_of(routes_.begin(), routes_.end(),
                     [&](const route& r) { return r.method == method && r.pattern == pattern; });
}

routes& routes::ready_requires(std::vector<std::string> components) {
  ready_requires_.insert(ready_requires_.end(), std::make_move_iterator(components.begin()),
                         std::make_move_iterator(components.end()));
  return *this;
}

std::vector<std::string> routes::called() const {
  std::vector<std::string> out;
  auto add = [&out](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto& r : routes_) add(r.component);
  for (const auto& name : ready_requires_) add(name);
  return out;
}

}  // namespace cleave
