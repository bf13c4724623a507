// Declaring what the HTTP gateway serves: typed routes that call a component, raw routes, and the
// middleware around all of them. App code describes routes here; runtime/gateway/gateway.hpp turns
// them into the "gateway" component.
//
//   cleave::routes r;
//   r.add<counter::add>("POST", "/add", "counter");                    // body {"v":1} -> add{1}
//   r.add<heartbeat::ping>("GET", "/ping", "ticker");                  // no body: decodes {}
//   r.add<thingey::get_thingey>("GET", "/things/{id}", "thingey-repo"); // {id} -> field "id"
//   r.add<thingey::slow_query>("GET", "/slow", "store", {std::chrono::milliseconds(200)});
//   r.add_raw("GET", "/version", [](cleave::http_request&) {
//     return cleave::json_reply(200, R"({"version":"1.2"})");
//   });
//   r.use(log_requests());                                             // first = outermost
//   r.middleware_factory([](const cleave::gateway_settings& s) {       // built from the config
//     return std::vector<cleave::http_middleware>{rate_limit(s.rate_limit)};
//   });
//   cleave::component gw = cleave::gateway_component(std::move(r));
//
// A typed route `add<Req>(method, pattern, component)` never shows its handler a JSON decoder:
// - 406 if the Accept header excludes application/json (absent, "*/*", "application/*" accept);
// - 415 if there is a body and a Content-Type that is not application/json (or "+json");
// - the body must be a JSON object (an empty body is `{}`); the pattern's `{params}` are merged
//   into it (params win), each converted to its field's type: string, integer, number or boolean
//   ("abc" for an integer field is a 400 naming the field). The object is decoded strictly with
//   cleave::from_json<Req>: malformed JSON, a missing, unknown or mistyped field is a 400 whose
//   text names the field;
// - the component is called with the route's timeout ("timeout_ms" of the gateway's config unless
//   the route sets one), cut to the request's deadline (http_request::deadline) and inside the
//   request's context (id, deadline; runtime/core/request_context.hpp);
// - the reply is 200 with to_json_text(response); a request whose response is void answers 200
//   `{}` (not 204, so that every answer of a typed route is a JSON document and the connection is
//   kept alive); an error is cleave::error_reply(err, request id) (runtime/gateway/errors.hpp:
//   errors the client caused show their text, the others a fixed message, their text logged).
//
// Middleware and typed routes run on the gateway's I/O thread and must not block; a typed route
// hands its call to the gateway's caller actor and the answer comes from there; raw routes run on
// two threads of their own. Everything a middleware does on the way out (in its wrapped respond)
// may run on any of these threads, so middleware must be thread-safe. Each middleware wraps each
// route's handler once, when the gateway starts.
//
// Middleware (runtime/gateway/http.hpp) wraps every answer the gateway gives, 404/405/413
// included, so logging and metrics see them all. Two ways to add it, applied in the order they
// were declared (the first one declared is the outermost):
// - `use(mw)`: a middleware that needs nothing from the config;
// - `middleware_factory(f)`: `f(settings)` runs once when the gateway starts, with the decoded
//   config of the gateway (gateway_settings), and returns the middleware to apply. This is how
//   middleware with config plug in: the gateway's config accepts the keys "rate_limit",
//   "request_log" and "metrics" as JSON objects and hands them over untouched (the factory
//   validates them; throwing std::exception there fails the node's start with the message). A
//   middleware needing another key claims it with `config_key("name")`; it then arrives in
//   `settings.extensions`. Every other unknown key is an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "runtime/component/call.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/gateway/detail/caller.hpp"
#include "runtime/gateway/errors.hpp"
#include "runtime/gateway/http.hpp"

namespace cleave {

/// The gateway's configuration as middleware factories and route handlers see it: the decoded
/// "config" object of the gateway in the placement (see runtime/gateway/gateway.hpp).
struct gateway_settings {
  /// The name of the gateway component ("gateway").
  std::string name;
  /// The node it runs on (for log lines).
  std::string node;
  /// "listen" (required): the host the server listens on (that address only).
  std::string host;
  /// "listen": the port; the port actually bound when "listen" said port 0.
  uint16_t port = 0;
  /// "body_limit_bytes": largest request body accepted; larger ones get 413 (default 1 MiB).
  uint64_t body_limit_bytes = uint64_t{1} << 20;
  /// "timeout_ms": deadline of a typed route's call unless the route sets one (default: the
  /// placement's "defaults.timeout_ms").
  std::chrono::milliseconds timeout{2000};
  /// "max_connections": most connections open at once; at the cap a new connection closes the
  /// longest idle one, or waits in the backlog while every one has a request (default 1024).
  int max_connections = 1024;
  /// "drain_timeout_ms": how long a stopping gateway waits for requests in flight (default 5000).
  std::chrono::milliseconds drain_timeout{5000};
  /// "header_timeout_ms": how long a request's whole head may take, from its first byte
  /// (default 10000); later: 408 and close.
  std::chrono::milliseconds header_timeout{10000};
  /// "body_timeout_ms": how long a request's whole body may take, from the end of its head
  /// (default 30000); later: 408 and close.
  std::chrono::milliseconds body_timeout{30000};
  /// "idle_timeout_ms": how long a connection may wait for the first byte of a request (a new
  /// one, or one kept alive after an answer) before it is closed (default 10000).
  std::chrono::milliseconds idle_timeout{10000};
  /// "write_timeout_ms": how long writing an answer may take before the connection is closed
  /// (default 10000).
  std::chrono::milliseconds write_timeout{10000};
  /// "expose_errors": show every error's full text to clients, not only the errors they caused
  /// (runtime/gateway/errors.hpp). For development; default false.
  bool expose_errors = false;
  /// "readyz_detail": a failing /readyz names what cannot be reached; default false (the body
  /// says only "not ready", the log line has the detail).
  bool readyz_detail = false;
  /// "rate_limit", "request_log", "metrics": the config objects of the middleware in
  /// runtime/middleware/, untouched (absent if the key is absent).
  std::optional<boost::json::object> rate_limit;
  std::optional<boost::json::object> request_log;
  std::optional<boost::json::object> metrics;
  /// The objects of keys claimed with routes::config_key, by key (absent keys are missing).
  std::map<std::string, boost::json::object> extensions;
  /// The actor system the gateway runs in (calls from middleware go through it).
  caf::actor_system* system = nullptr;
  /// The actor the typed routes make their calls from (runtime/gateway/detail/caller.hpp).
  caf::actor caller;
};

/// Options of one typed route.
struct route_options {
  /// Deadline of the call to the component (default: the gateway's "timeout_ms").
  std::optional<std::chrono::milliseconds> timeout = std::nullopt;
  /// Set: a successful call answers `201 Created` with a `Location` header, this pattern with its
  /// `{fields}` filled from the response ("/users/{id}"; each value percent-encoded as a path
  /// segment). Unset: 200 and no Location.
  std::optional<std::string> created_at = std::nullopt;
};

/// The options of a route that creates what `location` names (see route_options::created_at):
/// `r.add<create_user>("POST", "/users", "users", cleave::created_at("/users/{id}"));`
inline route_options created_at(std::string location) {
  route_options out;
  out.created_at = std::move(location);
  return out;
}

namespace detail {

/// How a `{param}` converts to its field's JSON value.
enum class param_kind { string, integer, number, boolean, unsupported };

template <class T>
constexpr param_kind param_kind_of() {
  if constexpr (is_std_optional<T>::value) {
    return param_kind_of<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, bool>) {
    return param_kind::boolean;
  } else if constexpr (std::is_integral_v<T>) {
    return param_kind::integer;
  } else if constexpr (std::is_floating_point_v<T>) {
    return param_kind::number;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return param_kind::string;
  } else {
    return param_kind::unsupported;
  }
}

/// The fields of request type `Req` and how a path parameter converts to each.
template <class Req>
std::map<std::string, param_kind> param_kinds() {
  std::map<std::string, param_kind> out;
  boost::mp11::mp_for_each<described_members<Req>>([&](auto member) {
    using field = std::decay_t<decltype(std::declval<Req&>().*member.pointer)>;
    out.emplace(member.name, param_kind_of<field>());
  });
  return out;
}

/// Where and how a typed route's call is made.
struct call_site {
  caf::actor caller;
  std::string component;
  caf::timespan timeout;
  /// The HTTP request's context, carried into the call.
  std::string request_id;
  std::chrono::steady_clock::time_point deadline;
  /// How the call's errors are answered (one per gateway, shared by its routes).
  std::shared_ptr<const error_reporting> errors;
  /// route_options::created_at of the route.
  std::optional<std::string> created_at;
};

/// Answers with `render()`, or with a 500 if rendering throws (a reply handler must not throw
/// inside the caller actor). Runs inside the request's context (current_request()).
template <class Render>
void answer_with(const http_respond& respond, const error_reporting& errors, Render render) {
  http_response res;
  try {
    res = render();
  } catch (const std::exception& e) {
    res = error_reply(
        make_error(errc::internal, std::string{"rendering the answer threw: "} + e.what()),
        current_request().request_id, errors);
  }
  respond(std::move(res));
}

/// Everything a typed route knows, with its request type erased.
struct typed_route {
  std::string component;
  /// The operation's name (the request's message name), for errors.
  std::string operation;
  std::optional<std::chrono::milliseconds> timeout;
  std::map<std::string, param_kind> fields;
  /// route_options::created_at, checked against the response's fields.
  std::optional<std::string> created_at;
  /// Decodes the request from `input`, calls the component within `call.timeout` from the
  /// caller actor and answers with the rendered reply.
  std::function<void(const boost::json::value& input, call_site call, http_respond respond)> invoke;
};

/// Throws std::invalid_argument unless every `{param}` of `pattern` names a field of the
/// route's request type that a path segment can fill.
void check_route_params(const std::string& pattern, const typed_route& route);

/// Throws std::invalid_argument unless every `{field}` of `location` (route_options::created_at)
/// names a string, number or boolean field of the response (`response_fields`; empty for a
/// response that is not a message, e.g. void).
void check_location(const std::string& location, const std::string& operation,
                    const std::map<std::string, param_kind>& response_fields);

/// The answer to a successful typed call whose reply encodes as `reply`: 200 with it, or, with
/// `created_at`, 201 with it and a Location header filled from it.
http_response success_reply(const boost::json::value& reply,
                            const std::optional<std::string>& created_at);

/// The handler of a typed route: negotiation, body + params -> JSON, deadline, call.
http_handler make_typed_handler(std::shared_ptr<const typed_route> route,
                                const gateway_settings& settings);

/// The 400 for request `request_id`, which does not decode.
http_response decode_failure(const caf::error& err, std::string_view request_id);

}  // namespace detail

class routes {
 public:
  // -- member types -------------------------------------------------------------------------------

  /// Makes middleware from the gateway's settings, once, when the gateway starts.
  using middleware_factory_function =
      std::function<std::vector<http_middleware>(const gateway_settings&)>;

  /// A declared route; `make(settings)` builds its handler when the gateway starts.
  struct route {
    std::string method;
    std::string pattern;
    std::function<http_handler(const gateway_settings&)> make;
    /// A typed route's own call deadline (route_options::timeout); a stopping gateway waits this
    /// long for the route's requests still running.
    std::optional<std::chrono::milliseconds> timeout = std::nullopt;
    /// The component a typed route calls ("" for a raw route); /readyz checks it is reachable.
    std::string component = {};
    /// A raw route's handler (then `make` is empty): the gateway runs it off its I/O thread.
    http_sync_handler raw = nullptr;
  };

  // -- declaring routes ---------------------------------------------------------------------------

  /// Serves `method pattern` by calling `component` with a `Req` decoded from the request (see
  /// the top of this file). Throws std::invalid_argument for a malformed pattern, a method +
  /// pattern declared twice, or a `{param}` that is not a string, number or boolean field of
  /// `Req`.
  template <class Req>
  routes& add(std::string method, std::string pattern, std::string component,
              route_options options = {}) {
    static_assert(is_message_v<Req>, "request types must be declared with CLEAVE_MESSAGE");
    auto typed = std::make_shared<detail::typed_route>();
    typed->component = std::move(component);
    typed->operation = message_name<Req>();
    typed->timeout = options.timeout;
    typed->fields = detail::param_kinds<Req>();
    typed->created_at = options.created_at;
    typed->invoke = &invoke<Req>;
    detail::check_route_params(pattern, *typed);
    if (options.created_at) {
      if constexpr (is_message_v<response_t<Req>>)
        detail::check_location(*options.created_at, typed->operation,
                               detail::param_kinds<response_t<Req>>());
      else
        detail::check_location(*options.created_at, typed->operation, {});
    }
    std::shared_ptr<const detail::typed_route> shared = std::move(typed);
    return add_route({std::move(method), std::move(pattern),
                      [shared](const gateway_settings& settings) {
                        return detail::make_typed_handler(shared, settings);
                      },
                      options.timeout, shared->component});
  }

  /// Serves `method pattern` with `handler`, which makes the response itself (no negotiation, no
  /// decoding; `request.params` holds the pattern's values). It runs on one of the gateway's two
  /// threads for raw routes, so it may block briefly (a readiness check) without holding up
  /// other requests. Throws like `add`.
  routes& add_raw(std::string method, std::string pattern, http_sync_handler handler);

  // -- middleware ---------------------------------------------------------------------------------

  /// Applies `mw` to every route (and to 404/405/413 answers).
  routes& use(http_middleware mw);

  /// Applies the middleware `f(settings)` returns when the gateway starts.
  routes& middleware_factory(middleware_factory_function f);

  /// Like middleware_factory, but outermost: before everything declared so far.
  routes& middleware_factory_first(middleware_factory_function f);

  /// Accepts the gateway config key `key` (its value must be an object) and hands it to the
  /// middleware factories in `gateway_settings::extensions`. Throws std::invalid_argument for a
  /// key the gateway itself uses.
  routes& config_key(std::string key);

  /// Makes /readyz also require `components` to be reachable, though no route calls them (the
  /// admin port of a node uses it for what the node's components call).
  routes& ready_requires(std::vector<std::string> components);

  // -- used by the gateway ------------------------------------------------------------------------

  /// Every declared route, in declaration order.
  const std::vector<route>& all() const { return routes_; }

  /// The middleware for `settings`, outermost first (runs the factories).
  std::vector<http_middleware> middleware(const gateway_settings& settings) const;

  /// The config keys claimed with `config_key`.
  const std::vector<std::string>& extension_keys() const { return extension_keys_; }

  /// The components the routes call, then those of ready_requires, each once.
  std::vector<std::string> called() const;

  /// True if `method pattern` is declared.
  bool contains(const std::string& method, const std::string& pattern) const;

 private:
  template <class Req>
  static void invoke(const boost::json::value& input, detail::call_site call,
                     http_respond respond) {
    auto req = from_json<Req>(input);
    if (!req) return respond(detail::decode_failure(req.error(), call.request_id));
    auto caller = call.caller;
    detail::run_in(caller, [call = std::move(call), req = std::move(*req),
                            respond = std::move(respond)](caf::event_based_actor* self) mutable {
      request_scope scope{call.request_id, call.deadline};
      // The callbacks run in the request's context again (cleave::call), so its id is
      // current_request()'s there.
      auto fail = [respond, errors = call.errors](caf::error err) {
        detail::answer_with(respond, *errors, [&] {
          return error_reply(err, current_request().request_id, *errors);
        });
      };
      if constexpr (std::is_void_v<response_t<Req>>) {
        cleave::call(self, call.component, std::move(req), call.timeout)
            .then([respond] { respond(json_reply(200, "{}")); }, std::move(fail));
      } else {
        cleave::call(self, call.component, std::move(req), call.timeout)
            .then(
                [respond, errors = std::move(call.errors),
                 created_at = std::move(call.created_at)](response_t<Req>& x) {
                  detail::answer_with(respond, *errors, [&] {
                    return detail::success_reply(to_json(x), created_at);
                  });
                },
                std::move(fail));
      }
    });
  }

  routes& add_route(route r);

  std::vector<route> routes_;
  std::vector<middleware_factory_function> middleware_;
  std::vector<std::string> extension_keys_;
  std::vector<std::string> ready_requires_;
};

}  // namespace cleave
