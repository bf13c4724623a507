#include "runtime/node/node.hpp"

#include <future>
#include <thread>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "runtime/component/client.hpp"
#include "runtime/core/error.hpp"

namespace cleave {

namespace {

constexpr auto start_deadline = std::chrono::seconds(10);

std::string render_cleave_error(uint8_t code, caf::atom_value, const caf::message& context) {
  return describe(caf::error{code, error_category, context});
}

const component* find_component(const std::vector<component>& components, const std::string& name) {
  for (const auto& c : components)
    if (c.name() == name) return &c;
  return nullptr;
}

}  // namespace

caf::expected<std::unique_ptr<node>> node::start(const std::vector<component>& components,
                                                 const placement& plan,
                                                 const std::string& node_name) {
  if (plan.nodes.count(node_name) == 0) {
    std::string known;
    for (const auto& kv : plan.nodes) known += (known.empty() ? "\"" : ", \"") + kv.first + "\"";
    return make_error(errc::invalid_placement,
                      plan.file + ": no node named \"" + node_name + "\" (nodes: " + known + ")");
  }
  if (plan.nodes.size() > 1)
    return make_error(errc::invalid_placement,
                      plan.file + ": placements with more than one node are not supported yet");
  std::unique_ptr<node> self{new node};
  self->plan_ = plan;
  self->config_ = std::make_unique<detail::runtime_config>();
  auto& cfg = *self->config_;
  cfg.node_name = node_name;
  cfg.default_timeout = plan.defaults.timeout;
  cfg.add_error_category(error_category, render_cleave_error);
  // Every node knows every message type of the app, wherever the component runs.
  detail::type_registry types{cfg};
  for (const auto& c : components) c.register_types(types);
  if (types.error()) return types.error();
  self->system_ = std::make_unique<caf::actor_system>(cfg);
  auto& sys = *self->system_;
  auto fallback = detail::spawn_unknown_component_responder(sys);
  cfg.components->set_fallback(fallback);
  self->actors_.push_back(fallback);
  std::vector<std::pair<std::string, std::future<caf::error>>> starting;
  for (const auto& name : plan.components_on(node_name)) {
    const auto* def = find_component(components, name);
    if (def == nullptr)
      return make_error(errc::invalid_placement,
                        plan.file + ": components." + name + ": the app has no such component");
    component_context ctx{name, node_name, plan.components.at(name).config};
    if (def->is_driver()) {
      self->drivers_.push_back(driver_entry{*def, std::move(ctx)});
      continue;
    }
    auto instance = def->spawn(sys, ctx);
    self->actors_.push_back(instance.handle);
    starting.emplace_back(name, std::move(instance.started));
    cfg.components->add(name, std::move(instance.handle));
  }
  for (auto& [name, started] : starting) {
    if (started.wait_for(start_deadline) != std::future_status::ready)
      return make_error(errc::internal, name + " did not finish starting within " +
                                            std::to_string(start_deadline.count()) + " s");
    if (auto err = started.get()) return err;
  }
  return self;
}

caf::error node::run_drivers() {
  for (auto& d : drivers_) {
    // The scenario runs on its own thread so that the wait for it has a deadline.
    auto task = std::make_shared<std::packaged_task<caf::error()>>([this, &d] {
      client c{*system_};
      try {
        return d.def.run(c, d.context);
      } catch (const std::exception& e) {
        return make_error(errc::internal, d.def.name() + " threw: " + e.what());
      }
    });
    auto result = task->get_future();
    std::thread{[task] {
      (*task)();
    }}.detach();
    if (result.wait_for(plan_.defaults.run_timeout) != std::future_status::ready) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(plan_.defaults.run_timeout);
      return make_error(errc::deadline_exceeded, d.def.name() + ": scenario still running after " +
                                                     std::to_string(ms.count()) +
                                                     " ms (defaults.run_timeout_ms)");
    }
    if (auto err = result.get()) return err;
  }
  return caf::none;
}

void node::stop() {
  if (config_) config_->components->clear();
  for (auto& a : actors_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors_.clear();
}

node::~node() {
  stop();
  system_.reset();  // waits for the actors to finish
}

}  // namespace cleave
