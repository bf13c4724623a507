#include "runtime/state/state.hpp"

#include <exception>
#include <filesystem>
#include <system_error>

#include "runtime/state/detail/sqlite_backend.hpp"

namespace cleave {

caf::error state::transact(const std::function<caf::error(state_view&)>& f) {
  std::unique_lock<std::recursive_mutex> lock{mutex_};
  if (auto err = backend().begin()) return err;
  caf::error outcome;
  std::vector<std::function<void()>> committed;
  try {
    state_view tx{backend()};
    tx.after_commit_ = &committed;
    tx.outbox_listener_ = outbox_listener_;
    outcome = f(tx);
  } catch (const std::exception& e) {
    outcome = make_error(errc::internal, std::string{"a state transaction threw: "} + e.what());
  }
  if (outcome) {
    backend().rollback();
    return outcome;
  }
  auto err = backend().commit();
  lock.unlock();
  // Also when the commit's outcome is unknown: what runs is told to look, not that it happened.
  if (!err || is(err, errc::outcome_unknown))
    for (auto& run : committed) run();
  return err;
}

caf::expected<std::unique_ptr<state>> open_state(const std::string& path) {
  auto folder = std::filesystem::path{path}.parent_path();
  std::error_code ec;
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  if (ec)
    return make_error(errc::unavailable, "state " + path + ": cannot make the folder " +
                                             folder.string() + ": " + ec.message());
  auto backend = detail::open_sqlite_backend(path);
  if (!backend) return std::move(backend.error());
  return std::make_unique<state>(std::move(*backend));
}

}  // namespace cleave
