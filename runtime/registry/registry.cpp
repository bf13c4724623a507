#include "runtime/registry/registry.hpp"

#include <algorithm>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"

namespace cleave::registry {

namespace json = boost::json;

namespace {

/// How often an unreachable etcd is tried again.
constexpr std::chrono::milliseconds retry_every{1000};

/// A watch that has delivered nothing for this long is opened again (after reading the whole
/// membership): a connection silently lost, say to a partition, ends within this bound.
constexpr std::chrono::milliseconds watch_idle{30'000};

bool same(const instance& a, const instance& b) {
  return a.name == b.name && a.node == b.node && a.host == b.host && a.port == b.port &&
         a.components == b.components;
}

}  // namespace

// -- instances -----------------------------------------------------------------------------------

bool instance::runs(const std::string& component) const {
  return std::binary_search(components.begin(), components.end(), component);
}

std::string instance_name(const std::string& node, const std::string& host, uint16_t port) {
  return node + "@" + host + ":" + std::to_string(port);
}

std::string to_json(const instance& x) {
  json::array components;
  for (const auto& c : x.components) components.emplace_back(c);
  return json::serialize(json::object{{"name", x.name},
                                      {"node", x.node},
                                      {"host", x.host},
                                      {"port", x.port},
                                      {"components", std::move(components)}});
}

caf::expected<instance> instance_from_json(const std::string& text) {
  auto bad = [](const std::string& why) {
    return make_error(errc::invalid_argument, "a registered instance " + why);
  };
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return bad("is not a JSON object");
  const auto& o = v.get_object();
  instance out;
  for (auto [key, field] :
       {std::pair{"name", &out.name}, std::pair{"node", &out.node}, std::pair{"host", &out.host}}) {
    const auto* x = o.if_contains(key);
    if (x == nullptr || !x->is_string() || x->get_string().empty())
      return bad(std::string{"has no \""} + key + "\"");
    *field = x->get_string();
  }
  const auto* port = o.if_contains("port");
  if (port == nullptr || !port->is_int64() || port->get_int64() < 1 || port->get_int64() > 65535)
    return bad("has no valid \"port\"");
  out.port = static_cast<uint16_t>(port->get_int64());
  const auto* components = o.if_contains("components");
  if (components == nullptr || !components->is_array()) return bad("has no \"components\"");
  for (const auto& c : components->get_array()) {
    if (!c.is_string()) return bad("has a component name that is not a string");
    out.components.emplace_back(c.get_string());
  }
  std::sort(out.components.begin(), out.components.end());
  return out;
}

// -- the loop both run ---------------------------------------------------------------------------

void background_loop::start(std::function<void()> body) {
  thread_ = std::thread([body = std::move(body), node = log_node_] {
    // Nothing may escape a thread of its own (std::terminate would end the node).
    try {
      body();
    } catch (const std::exception& e) {
      log("error", node, "registry: stopped (an exception)", {{"error", e.what()}});
    }
  });
}

bool background_loop::pause(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> guard{mutex_};
  return !wake_.wait_for(guard, d, [this] { return stopping_; });
}

bool background_loop::stopping() {
  std::lock_guard<std::mutex> guard{mutex_};
  return stopping_;
}

bool background_loop::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (stopping_) return false;
    stopping_ = true;
  }
  wake_.notify_all();
  interrupt_();
  if (thread_.joinable()) thread_.join();
  return true;
}

// -- registration --------------------------------------------------------------------------------

registration::registration(settings s, instance me, std::string log_node)
    : settings_(std::move(s)),
      me_(std::move(me)),
      key_(settings_.instances_prefix + me_.name),
      value_(to_json(me_)),
      log_node_(std::move(log_node)),
      etcd_(settings_.endpoint, settings_.timeout),
      loop_(log_node_, [this] { etcd_.cancel(); }) {
  loop_.start([this] { run(); });
}

registration::~registration() {
  stop();
}

void registration::stop() {
  if (!loop_.stop()) return;
  etcd_.reset();
  if (lease_.empty()) return;
  if (auto err = etcd_.revoke(lease_))
    log("warning", log_node_, "registry: cannot revoke this instance's lease",
        {{"instance", me_.name}, {"error", describe(err)}});
  else
    log("info", log_node_, "registry: unregistered", {{"instance", me_.name}});
}

bool registration::register_once() {
  auto report = [this](const caf::error& err) {
    if (!failing_)
      log("warning", log_node_, "registry unreachable: retrying every second",
          {{"etcd", settings_.endpoint.text()}, {"error", describe(err)}});
    failing_ = true;
    return false;
  };
  auto lease = etcd_.grant(settings_.lease_ttl);
  if (!lease) return report(lease.error());
  // Kept before the put: a stop that cancels the put may come after etcd applied it, and stop()
  // must then revoke the lease (else the key outlives the node by a lease's TTL). A put that
  // failed is made again by the renewal loop, which puts back a missing key.
  lease_ = std::move(*lease);
  if (auto err = etcd_.put(key_, value_, lease_)) return report(err);
  failing_ = false;
  log("info", log_node_, "registry: registered",
      {{"instance", me_.name},
       {"etcd", settings_.endpoint.text()},
       {"lease_ttl_s", static_cast<int64_t>(settings_.lease_ttl.count())}});
  return true;
}

void registration::run() {
  auto every = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.lease_ttl) / 3;
  while (true) {
    if (lease_.empty()) {
      if (register_once()) continue;
      if (!loop_.pause(retry_every)) return;
      continue;
    }
    if (!loop_.pause(failing_ ? std::min(every, retry_every) : every)) return;
    auto left = etcd_.keep_alive(lease_);
    if (!left) {
      if (!failing_)
        log("warning", log_node_, "registry unreachable: keeping the registration alive failed",
            {{"etcd", settings_.endpoint.text()}, {"error", describe(left.error())}});
      failing_ = true;
      continue;
    }
    if (*left == 0) {
      // The lease lapsed while etcd was away (or someone revoked it): callers dropped us.
      log("warning", log_node_, "registry: the registration lapsed; registering again",
          {{"instance", me_.name}});
      lease_.clear();
      continue;
    }
    // A registration deleted by hand (or lost with etcd's data) is put back within a third of
    // the lease. Read first: a put on every renewal would add a revision to etcd's history each
    // time, which nothing compacts by default.
    auto found = etcd_.range_prefix(key_);
    if (!found) {
      failing_ = true;
      continue;
    }
    bool present = std::any_of(found->kvs.begin(), found->kvs.end(), [this](const key_value& kv) {
      return kv.key == key_ && kv.value == value_;
    });
    if (!present) {
      if (auto err = etcd_.put(key_, value_, lease_)) {
        failing_ = true;
        continue;
      }
      log("warning", log_node_, "registry: the registration was gone; put back",
          {{"instance", me_.name}});
    }
    if (failing_) log("info", log_node_, "registry reachable again", {{"instance", me_.name}});
    failing_ = false;
  }
}

// -- membership ----------------------------------------------------------------------------------

membership_watch::membership_watch(settings s, std::string log_node, handler on_change)
    : settings_(std::move(s)),
      log_node_(std::move(log_node)),
      on_change_(std::move(on_change)),
      etcd_(settings_.endpoint, settings_.timeout),
      loop_(log_node_, [this] { etcd_.cancel(); }) {
  loop_.start([this] { run(); });
}

membership_watch::~membership_watch() {
  stop();
}

void membership_watch::stop() {
  loop_.stop();
}

bool membership_watch::wait_first_read(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{first_mutex_};
  return first_cv_.wait_for(guard, timeout, [this] { return first_read_; });
}

void membership_watch::first_read_done() {
  {
    std::lock_guard<std::mutex> guard{first_mutex_};
    if (first_read_) return;
    first_read_ = true;
  }
  first_cv_.notify_all();
}

namespace {

/// Puts or replaces `key` in `known`, or drops it; true if that changed anything.
bool apply(std::vector<std::pair<std::string, instance>>& known, const std::string& key,
           const instance* x) {
  auto i =
      std::find_if(known.begin(), known.end(), [&](const auto& kv) { return kv.first == key; });
  if (x == nullptr) {
    if (i == known.end()) return false;
    known.erase(i);
    return true;
  }
  if (i != known.end()) {
    if (same(i->second, *x)) return false;
    i->second = *x;
    return true;
  }
  known.emplace_back(key, *x);
  return true;
}

}  // namespace

void membership_watch::publish() {
  std::vector<instance> all;
  for (const auto& kv : known_) all.push_back(kv.second);
  std::sort(all.begin(), all.end(),
            [](const instance& a, const instance& b) { return a.name < b.name; });
  on_change_(all);
}

void membership_watch::run() {
  bool failing = false;
  bool first = true;
  const auto& prefix = settings_.instances_prefix;
  auto parse = [&](const key_value& kv) -> std::optional<instance> {
    auto x = instance_from_json(kv.value);
    if (!x) {
      log("warning", log_node_, "registry: ignoring a malformed entry",
          {{"key", kv.key}, {"error", describe(x.error())}});
      return std::nullopt;
    }
    return std::move(*x);
  };
  while (true) {
    auto all = etcd_.range_prefix(prefix);
    if (!all) {
      if (!failing)
        log("warning", log_node_, "registry unreachable: keeping the replicas known so far",
            {{"etcd", settings_.endpoint.text()}, {"error", describe(all.error())}});
      failing = true;
      first_read_done();
      if (!loop_.pause(retry_every)) return;
      continue;
    }
    if (failing) log("info", log_node_, "registry reachable again", {});
    failing = false;
    std::vector<std::pair<std::string, instance>> fresh;
    for (const auto& kv : all->kvs)
      if (auto x = parse(kv)) fresh.emplace_back(kv.key, std::move(*x));
    bool changed = first || fresh.size() != known_.size();
    for (const auto& [key, x] : fresh) {
      auto i = std::find_if(known_.begin(), known_.end(),
                            [&, &k = key](const auto& kv) { return kv.first == k; });
      changed = changed || i == known_.end() || !same(i->second, x);
    }
    known_ = std::move(fresh);
    first = false;
    if (changed) publish();
    first_read_done();
    auto err = etcd_.watch_prefix(
        prefix, all->revision + 1,
        [&](const std::vector<watch_event>& events, int64_t) {
          bool any = false;
          for (const auto& e : events) {
            if (e.deleted) {
              any = apply(known_, e.kv.key, nullptr) || any;
            } else if (auto x = parse(e.kv)) {
              any = apply(known_, e.kv.key, &*x) || any;
            }
          }
          if (any) publish();
        },
        watch_idle);
    if (loop_.stopping()) return;
    // A quiet watch is renewed at once; a failed one after a pause (etcd may be restarting).
    if (!is(err, errc::deadline_exceeded))
      if (!loop_.pause(std::chrono::milliseconds(100))) return;
  }
}

caf::expected<std::vector<instance>> read_instances(const settings& s) {
  etcd_client etcd{s.endpoint, s.timeout};
  auto all = etcd.range_prefix(s.instances_prefix);
  if (!all) return std::move(all.error());
  std::vector<instance> out;
  for (const auto& kv : all->kvs)
    if (auto x = instance_from_json(kv.value)) out.push_back(std::move(*x));
  std::sort(out.begin(), out.end(),
            [](const instance& a, const instance& b) { return a.name < b.name; });
  return out;
}

}  // namespace cleave::registry
