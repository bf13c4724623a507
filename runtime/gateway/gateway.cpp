#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/standard_edge.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/core/detail/suggest.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/log.hpp"
#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/gateway/admin.hpp"
#include "runtime/gateway/detail/caller.hpp"
#include "runtime/gateway/detail/config_keys.hpp"
#include "runtime/gateway/detail/http_server.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave {

namespace {

/// The gateway's own config keys; the middleware's objects are split off before decoding.
struct gateway_config {
  std::string listen;
  std::optional<int64_t> body_limit_bytes;
  std::optional<int64_t> timeout_ms;
  std::optional<int64_t> max_connections;
  std::optional<int64_t> drain_timeout_ms;
  std::optional<int64_t> header_timeout_ms;
  std::optional<int64_t> body_timeout_ms;
  std::optional<int64_t> idle_timeout_ms;
  std::optional<int64_t> write_timeout_ms;
  std::optional<bool> expose_errors;
  std::optional<bool> readyz_detail;
};
CLEAVE_MESSAGE(gateway_config, listen, body_limit_bytes, timeout_ms, max_connections,
               drain_timeout_ms, header_timeout_ms, body_timeout_ms, idle_timeout_ms,
               write_timeout_ms, expose_errors, readyz_detail)

/// The most connections a config may ask for (each holds a descriptor and its buffers).
constexpr int64_t most_connections = 1000000;

/// Threads that run raw routes' handlers, which may block (a readiness check waits up to a
/// second for each component), away from the I/O thread.
constexpr size_t raw_route_threads = 2;

/// Extra time stop() gives handlers still running after the drain: their calls end at their
/// deadlines, plus this margin.
constexpr std::chrono::milliseconds straggler_margin{1000};

caf::error config_error(const std::string& name, const std::string& key, const std::string& why) {
  return make_error(errc::invalid_argument,
                    "components." + name + ".config" + (key.empty() ? "" : "." + key) + ": " + why);
}

/// The config's middleware objects, handed to the middleware factories undecoded.
constexpr const char* middleware_keys[] = {"rate_limit", "request_log", "metrics"};

/// Every key a gateway's config may have: its own, the middleware's, and those extensions claim.
std::vector<std::string> config_keys(const routes& r) {
  auto out = detail::gateway_own_config_keys();
  const auto& ext = r.extension_keys();
  out.insert(out.end(), ext.begin(), ext.end());
  return out;
}

caf::error check_range(const std::string& name, const char* key, const std::optional<int64_t>& v,
                       int64_t min, int64_t max) {
  if (!v || (*v >= min && *v <= max)) return caf::none;
  return config_error(name, key,
                      "expected " + std::to_string(min) + ".." + std::to_string(max) + ", found " +
                          std::to_string(*v));
}

using shared_reporting = std::shared_ptr<const error_reporting>;

/// The 500 for a route handler of `req` that threw `what` (logged, with the request's method and
/// route).
http_response thrown_reply(const http_request& req, const error_reporting& errors,
                           const std::string& what) {
  return error_reply(
      make_error(errc::internal, req.method + " " + req.route + ": the handler threw: " + what),
      req.request_id, errors);
}

/// Runs `f(req)`, inside the request's context (its id and deadline go with every call `f`
/// makes); what it throws becomes a 500 answered through `respond`, which the middleware see.
template <class F>
void run_guarded(F& f, http_request& req, const http_respond& respond,
                 const error_reporting& errors) {
  request_scope scope{req.request_id, req.deadline};
  try {
    f(req);
    return;
  } catch (const std::exception& e) {
    respond(thrown_reply(req, errors, e.what()));
  } catch (...) {
    respond(thrown_reply(req, errors, "non-standard exception"));
  }
}

/// A typed route's handler, guarded (run_guarded).
http_handler guard_route(http_handler inner, shared_reporting errors) {
  return [inner = std::move(inner), errors = std::move(errors)](http_request& req,
                                                                const http_respond& respond) {
    auto call = [&](http_request& r) {
      inner(r, respond);
    };
    run_guarded(call, req, respond, *errors);
  };
}

/// Runs a raw route's handler on `pool`, inside the request's context, and answers with what it
/// returns.
http_handler offload_raw(http_sync_handler f, std::shared_ptr<boost::asio::thread_pool> pool,
                         shared_reporting errors) {
  auto shared_f = std::make_shared<const http_sync_handler>(std::move(f));
  return [f = std::move(shared_f), pool = std::move(pool), errors = std::move(errors)](
             http_request& req, http_respond respond) {
    // `req` lives until the answer (http_handler's promise).
    boost::asio::post(*pool, [&req, f, errors, respond = std::move(respond)] {
      auto answer = [&](http_request& r) {
        respond((*f)(r));
      };
      run_guarded(answer, req, respond, *errors);
    });
  };
}

std::shared_ptr<const detail::dispatch_table> build_table(
    const routes& r, const gateway_settings& settings,
    const std::shared_ptr<boost::asio::thread_pool>& raw_pool) {
  auto table = std::make_shared<detail::dispatch_table>();
  auto middleware = r.middleware(settings);
  // Outermost: every request the gateway answers counts as served (`cleave status`).
  if (auto stats = detail::current_init_stats())
    middleware.insert(middleware.begin(), [stats](http_handler inner) -> http_handler {
      return [stats, inner = std::move(inner)](http_request& req, http_respond respond) {
        stats->calls.fetch_add(1, std::memory_order_relaxed);
        inner(req, std::move(respond));
      };
    });
  table->wrap = chain(std::move(middleware));
  auto errors = std::make_shared<const error_reporting>(
      error_reporting{settings.node, settings.name, settings.expose_errors});
  auto add = [&](const std::string& method, const std::string& pattern, http_handler h) {
    table->routes.add(method, pattern, table->handlers.size());
    table->handlers.push_back(table->wrap(std::move(h)));
  };
  for (const auto& route : r.all()) {
    if (route.raw)
      add(route.method, route.pattern, offload_raw(route.raw, raw_pool, errors));
    else
      add(route.method, route.pattern, guard_route(route.make(settings), errors));
  }
  // Answered on the I/O thread: the probe must not wait behind a blocked raw route.
  if (!r.contains("GET", "/healthz"))
    add("GET", "/healthz",
        answer_now([](http_request&) { return json_reply(200, R"({"status":"ok"})"); }));
  return table;
}

caf::behavior gateway_impl(caf::event_based_actor* self, const component_context& ctx,
                           const std::shared_ptr<const routes>& r) {
  auto default_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      detail::default_timeout(self->system()));
  auto settings = decode_gateway_settings(ctx.name(), ctx.config(), *r, default_timeout);
  if (!settings) throw std::runtime_error(what(settings.error()));
  settings->node = ctx.node();
  settings->system = &self->system();
  settings->caller = detail::spawn_caller(self->system(), caf::actor_cast<caf::actor>(self),
                                          settings->node, settings->name);
  detail::server_config cfg;
  cfg.name = settings->name;
  cfg.node = settings->node;
  cfg.admin_of_node = settings->name == admin_component_name;
  cfg.host = settings->host;
  cfg.port = settings->port;
  cfg.max_connections = settings->max_connections;
  cfg.body_limit = settings->body_limit_bytes;
  cfg.header_timeout = settings->header_timeout;
  cfg.body_timeout = settings->body_timeout;
  cfg.idle_timeout = settings->idle_timeout;
  cfg.write_timeout = settings->write_timeout;
  cfg.expose_errors = settings->expose_errors;
  cfg.drain_timeout = settings->drain_timeout;
  auto longest_call = settings->timeout;
  for (const auto& route : r->all())
    if (route.timeout) longest_call = std::max(longest_call, *route.timeout);
  cfg.straggler_timeout = longest_call + straggler_margin;
  // Bound first, so that the factories see the real port; a factory that throws closes it again.
  auto server = std::make_shared<detail::http_server>(std::move(cfg));
  settings->port = server->port();
  auto raw_pool = std::make_shared<boost::asio::thread_pool>(raw_route_threads);
  server->start(build_table(*r, *settings, raw_pool));
  // Asked to stop (the node stops its edges first and waits for them): drain, then end. The drain
  // runs before the actor ends, so the node keeps every component (and its name) reachable for
  // the requests in flight until they are answered. The drain blocks this scheduler thread for at
  // most drain_timeout_ms; the components run on the others.
  self->set_exit_handler([self, server](caf::exit_msg& msg) {
    server->stop();
    self->quit(msg.reason);
  });
  // Also on any other end of the actor (the server is destroyed with the last reference). The
  // raw routes' threads end after the server, whose requests may still run there.
  self->attach_functor([server, raw_pool] {
    server->stop();
    raw_pool->join();
  });
  auto host =
      settings->host.find(':') == std::string::npos ? settings->host : "[" + settings->host + "]";
  log("info", ctx.node(), "gateway listening",
      {{"address", host + ":" + std::to_string(settings->port)},
       {"component", ctx.name()},
       {"routes", static_cast<int64_t>(r->all().size())}});
  // The gateway takes no messages; a behaviour keeps its actor (and with it the server) alive.
  return {[](caf::atom_constant<caf::atom("gw_idle")>) {
  }};
}

}  // namespace

std::vector<std::string> detail::gateway_own_config_keys() {
  std::vector<std::string> out;
  boost::mp11::mp_for_each<detail::described_members<gateway_config>>(
      [&](auto member) { out.emplace_back(member.name); });
  out.insert(out.end(), std::begin(middleware_keys), std::end(middleware_keys));
  return out;
}

caf::expected<gateway_settings> decode_gateway_settings(const std::string& name,
                                                        const boost::json::object& config,
                                                        const routes& r,
                                                        std::chrono::milliseconds default_timeout) {
  gateway_settings out;
  out.name = name;
  boost::json::object own;
  auto raw_object = [&](const boost::json::key_value_pair& kv,
                        std::optional<boost::json::object>& slot) -> caf::error {
    if (!kv.value().is_object())
      return config_error(name, std::string{kv.key()},
                          "expected an object, found " + json_text(kv.value()).substr(0, 40));
    slot = kv.value().get_object();
    return caf::none;
  };
  auto known = config_keys(r);
  for (const auto& kv : config) {
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      return config_error(name, std::string{kv.key()}, detail::unknown_key_text(kv.key(), known));
    std::optional<boost::json::object>* slot = nullptr;
    if (kv.key() == "rate_limit") slot = &out.rate_limit;
    if (kv.key() == "request_log") slot = &out.request_log;
    if (kv.key() == "metrics") slot = &out.metrics;
    if (slot != nullptr) {
      if (auto err = raw_object(kv, *slot)) return err;
      continue;
    }
    const auto& ext = r.extension_keys();
    if (std::find(ext.begin(), ext.end(), kv.key()) != ext.end()) {
      std::optional<boost::json::object> value;
      if (auto err = raw_object(kv, value)) return err;
      out.extensions.emplace(kv.key(), std::move(*value));
      continue;
    }
    own.emplace(kv.key(), kv.value());
  }
  auto cfg = from_json<gateway_config>(boost::json::value(std::move(own)));
  if (!cfg) return config_error(name, "", what(cfg.error()));
  if (!detail::parse_listen(cfg->listen, out.host, out.port))
    return config_error(name, "listen", "expected \"host:port\", found \"" + cfg->listen + "\"");
  if (auto err = check_range(name, "body_limit_bytes", cfg->body_limit_bytes, 1,
                             std::numeric_limits<int64_t>::max()))
    return err;
  if (auto err = check_range(name, "timeout_ms", cfg->timeout_ms, 1, int64_t{24} * 3600 * 1000))
    return err;
  if (auto err = check_range(name, "max_connections", cfg->max_connections, 1, most_connections))
    return err;
  if (auto err =
          check_range(name, "drain_timeout_ms", cfg->drain_timeout_ms, 0, int64_t{3600} * 1000))
    return err;
  for (const auto& [key, value] : {std::pair{"header_timeout_ms", &cfg->header_timeout_ms},
                                   std::pair{"body_timeout_ms", &cfg->body_timeout_ms},
                                   std::pair{"idle_timeout_ms", &cfg->idle_timeout_ms},
                                   std::pair{"write_timeout_ms", &cfg->write_timeout_ms}})
    if (auto err = check_range(name, key, *value, 1, int64_t{3600} * 1000)) return err;
  if (cfg->body_limit_bytes) out.body_limit_bytes = static_cast<uint64_t>(*cfg->body_limit_bytes);
  out.timeout = cfg->timeout_ms ? std::chrono::milliseconds(*cfg->timeout_ms) : default_timeout;
  if (cfg->max_connections) out.max_connections = static_cast<int>(*cfg->max_connections);
  if (cfg->drain_timeout_ms) out.drain_timeout = std::chrono::milliseconds(*cfg->drain_timeout_ms);
  auto ms = [](const std::optional<int64_t>& v, std::chrono::milliseconds fallback) {
    return v ? std::chrono::milliseconds(*v) : fallback;
  };
  out.header_timeout = ms(cfg->header_timeout_ms, out.header_timeout);
  out.body_timeout = ms(cfg->body_timeout_ms, out.body_timeout);
  out.idle_timeout = ms(cfg->idle_timeout_ms, out.idle_timeout);
  out.write_timeout = ms(cfg->write_timeout_ms, out.write_timeout);
  out.expose_errors = cfg->expose_errors.value_or(false);
  out.readyz_detail = cfg->readyz_detail.value_or(false);
  return out;
}

component gateway_component(routes r) {
  return gateway_component("gateway", std::move(r));
}

component gateway_component(std::string name, routes r) {
  add_standard_edge(r);
  auto called = r.called();
  auto shared = std::make_shared<const routes>(std::move(r));
  auto c = component::make<>(std::move(name),
                             [shared](caf::event_based_actor* self, const component_context& ctx) {
                               return gateway_impl(self, ctx, shared);
                             });
  c.edge().calls(std::move(called));
  return c;
}

}  // namespace cleave
