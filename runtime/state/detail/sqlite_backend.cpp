#include "runtime/state/detail/sqlite_backend.hpp"

#include <sqlite3.h>

#include <chrono>

#include "runtime/core/error.hpp"

namespace cleave::detail {

namespace {

// How long a writer waits for another (another process on the same file, or a transaction).
constexpr int busy_timeout_ms = 5000;

struct statement_deleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

class sqlite_backend : public state_backend {
 public:
  sqlite_backend(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  ~sqlite_backend() override {
    read_.reset();
    write_.reset();
    remove_.reset();
    scan_.reset();
    sqlite3_close(db_);
  }

  sqlite_backend(const sqlite_backend&) = delete;
  sqlite_backend& operator=(const sqlite_backend&) = delete;

  /// Sets the database up and prepares the statements; the first use of a file that is not a
  /// database fails here.
  caf::error init() {
    for (const char* sql :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
          "CREATE TABLE IF NOT EXISTS cleave_state (collection TEXT NOT NULL, key TEXT NOT NULL, "
          "value TEXT NOT NULL, PRIMARY KEY (collection, key)) WITHOUT ROWID"})
      if (auto err = exec(sql)) return err;
    if (auto err = prepare(read_, "SELECT value FROM cleave_state WHERE collection=?1 AND key=?2"))
      return err;
    if (auto err = prepare(write_,
                           "INSERT INTO cleave_state (collection, key, value) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT (collection, key) DO UPDATE SET value=excluded.value"))
      return err;
    if (auto err = prepare(remove_, "DELETE FROM cleave_state WHERE collection=?1 AND key=?2"))
      return err;
    return prepare(scan_, "SELECT key, value FROM cleave_state WHERE collection=?1 ORDER BY key");
  }

  caf::expected<std::optional<std::string>> read(std::string_view collection,
                                                 std::string_view key) override {
    auto* s = bind(read_.get(), collection, key);
    int rc = sqlite3_step(s);
    std::optional<std::string> out;
    if (rc == SQLITE_ROW) out = text_at(s, 0);
    auto err = rc == SQLITE_ROW || rc == SQLITE_DONE ? caf::error{} : failure("read", rc);
    // Reset at once: a statement left on a row keeps its read transaction open, which holds
    // back the WAL's checkpoints.
    sqlite3_reset(s);
    if (err) return err;
    return out;
  }

  caf::error write(std::string_view collection, std::string_view key,
                   std::string_view json) override {
    auto* s = bind(write_.get(), collection, key);
    sqlite3_bind_text(s, 3, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? caf::error{} : failure("write", rc);
  }

  caf::expected<bool> remove(std::string_view collection, std::string_view key) override {
    auto* s = bind(remove_.get(), collection, key);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return failure("remove", rc);
    return sqlite3_changes(db_) > 0;
  }

  caf::expected<std::vector<std::pair<std::string, std::string>>> scan(
      std::string_view collection) override {
    auto* s = scan_.get();
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, collection.data(), static_cast<int>(collection.size()), SQLITE_STATIC);
    std::vector<std::pair<std::string, std::string>> out;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.emplace_back(text_at(s, 0), text_at(s, 1));
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return failure("scan", rc);
    return out;
  }

  // IMMEDIATE: the write lock is taken now, so a read-modify-write cannot meet another writer's
  // commit between its read and its write (a deferred BEGIN then fails with BUSY_SNAPSHOT).
  caf::error begin() override { return exec("BEGIN IMMEDIATE"); }

  caf::error commit() override {
    int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return caf::none;
    // An I/O error while the log is written or synced: the commit may or may not be on disk.
    if ((rc & 0xff) == SQLITE_IOERR) {
      rollback();
      return make_error(errc::outcome_unknown,
                        "state " + path_ + ": commit: " + sqlite3_errstr(rc));
    }
    auto err = failure("commit", rc);
    rollback();
    return err;
  }

  void rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  caf::error exec(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return rc == SQLITE_OK ? caf::error{} : failure_text(rc, text);
  }

  caf::error prepare(statement& out, const char* sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    out.reset(s);
    return rc == SQLITE_OK ? caf::error{} : failure("prepare", rc);
  }

  static sqlite3_stmt* bind(sqlite3_stmt* s, std::string_view collection, std::string_view key) {
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, collection.data(), static_cast<int>(collection.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    return s;
  }

  static std::string text_at(sqlite3_stmt* s, int column) {
    const auto* p = sqlite3_column_text(s, column);
    return p == nullptr ? std::string{}
                        : std::string{reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(s, column))};
  }

  caf::error failure(const char* what, int rc) const {
    return failure_text(rc, std::string{what} + ": " + sqlite3_errmsg(db_));
  }

  // A write refused for lack of space or by a lock held too long did not happen: the caller may
  // retry. Anything else (a corrupt file, a file that is not a database) needs an operator.
  caf::error failure_text(int rc, const std::string& text) const {
    int primary = rc & 0xff;
    bool not_applied = primary == SQLITE_FULL || primary == SQLITE_BUSY ||
                       primary == SQLITE_LOCKED || primary == SQLITE_READONLY ||
                       primary == SQLITE_CANTOPEN;
    return make_error(not_applied ? errc::unavailable : errc::internal,
                      "state " + path_ + ": " + text);
  }

  sqlite3* db_;
  std::string path_;
  statement read_;
  statement write_;
  statement remove_;
  statement scan_;
};

}  // namespace

caf::expected<std::unique_ptr<state_backend>> open_sqlite_backend(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: a component's actor uses its store from one thread at a time.
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error(errc::unavailable, "state " + path + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  auto backend = std::make_unique<sqlite_backend>(db, path);
  if (auto err = backend->init()) return err;
  return std::unique_ptr<state_backend>{std::move(backend)};
}

}  // namespace cleave::detail
