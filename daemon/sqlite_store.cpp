// sqlite_store.cpp: the embedded SQLite implementation of Store (store.hpp). WAL mode, a versioned
// schema whose migration steps are data (kMigrations), prepared statements cached per connection,
// one IMMEDIATE transaction per batch.
#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "json.hpp"
#include "store.hpp"
#include "verp.hpp"

namespace bounced {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append-only: never edit a step that has shipped; add a new one.
constexpr Migration kMigrations[] = {
    {1, "messages, recipient results, address state, suppressions", R"sql(
CREATE TABLE messages (
  id                  INTEGER PRIMARY KEY,
  content_hash        TEXT NOT NULL UNIQUE,
  source              TEXT NOT NULL,
  received_at         INTEGER NOT NULL,
  kind                TEXT NOT NULL,
  scanner             TEXT NOT NULL,
  envelope_recipient  TEXT NOT NULL,
  original_message_id TEXT NOT NULL,
  list                TEXT NOT NULL
);
CREATE INDEX messages_received ON messages(received_at);
CREATE TABLE recipient_results (
  id            INTEGER PRIMARY KEY,
  message_id    INTEGER NOT NULL REFERENCES messages(id),
  received_at   INTEGER NOT NULL,
  address       TEXT NOT NULL,
  domain        TEXT NOT NULL,
  list          TEXT NOT NULL,
  dsn_recipient TEXT NOT NULL,
  action        TEXT NOT NULL,
  status        TEXT NOT NULL,
  status_class  TEXT NOT NULL,
  reply_code    TEXT NOT NULL,
  reason        TEXT NOT NULL,
  hard_bounce   INTEGER NOT NULL,
  diagnostic    TEXT NOT NULL,
  remote_mta    TEXT NOT NULL,
  verified      INTEGER NOT NULL,
  decision      TEXT NOT NULL
);
CREATE INDEX recipient_results_address ON recipient_results(address, list);
CREATE INDEX recipient_results_received ON recipient_results(received_at);
CREATE TABLE address_state (
  address           TEXT NOT NULL,
  list              TEXT NOT NULL,
  hard_count        INTEGER NOT NULL DEFAULT 0,
  soft_count        INTEGER NOT NULL DEFAULT 0,
  sender_side_count INTEGER NOT NULL DEFAULT 0,
  complaint_count   INTEGER NOT NULL DEFAULT 0,
  delayed_count     INTEGER NOT NULL DEFAULT 0,
  first_bounce_at   INTEGER NOT NULL DEFAULT 0,
  last_bounce_at    INTEGER NOT NULL DEFAULT 0,
  last_success_at   INTEGER NOT NULL DEFAULT 0,
  window_days       INTEGER NOT NULL DEFAULT 0,
  window_first_at   INTEGER NOT NULL DEFAULT 0,
  window_last_at    INTEGER NOT NULL DEFAULT 0,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (address, list)
) WITHOUT ROWID;
CREATE TABLE suppressions (
  id              INTEGER PRIMARY KEY,
  address         TEXT NOT NULL,
  list            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  reason          TEXT NOT NULL,
  since           INTEGER NOT NULL,
  cause_result_id INTEGER REFERENCES recipient_results(id),
  active          INTEGER NOT NULL DEFAULT 1,
  lifted_at       INTEGER,
  lifted_by       TEXT
);
CREATE UNIQUE INDEX suppressions_one_active ON suppressions(address, list) WHERE active = 1;
CREATE INDEX suppressions_address ON suppressions(address);
)sql"},
    {2, "outbox of pending actions", R"sql(
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  created_at   INTEGER NOT NULL,
  target       TEXT NOT NULL,
  event        TEXT NOT NULL,
  payload      TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_error   TEXT NOT NULL DEFAULT '',
  done_at      INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt) WHERE done_at IS NULL;
)sql"},
    {3, "sink checkpoints; subscriber reference from attribution headers", R"sql(
CREATE TABLE sink_checkpoints (
  sink  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE recipient_results ADD COLUMN subscriber_ref TEXT NOT NULL DEFAULT '';
)sql"},
};

constexpr int kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(s_, i, v));
    return *this;
  }
  Stmt& bind(int i, int v) { return bind(i, std::int64_t{v}); }
  Stmt& bind(int i, bool v) { return bind(i, std::int64_t{v ? 1 : 0}); }
  Stmt& bind_null(int i) {
    check(sqlite3_bind_null(s_, i));
    return *this;
  }
  // True while a row is available; false when done. Throws on error.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  std::string str(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw StoreError(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Resets a cached statement when the scope ends, so no statement keeps a read open.
class Use {
 public:
  explicit Use(Stmt& s) : s_(s) {}
  ~Use() { s_.reset(); }
  Stmt* operator->() { return &s_; }
  Stmt& operator*() { return s_; }

 private:
  Stmt& s_;
};

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

std::string iso_utc(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::filesystem::path& path, const SqliteOptions& opt) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (opt.create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError("cannot open " + path.string() + ": " + msg);
    }
    try {
      sqlite3_busy_timeout(db_, opt.busy_timeout_ms);
      exec("PRAGMA journal_mode=WAL");
      exec(opt.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      exec("PRAGMA foreign_keys=ON");
      migrate(opt.max_schema_version > 0 ? opt.max_schema_version : kLatestVersion);
    } catch (...) {
      stmts_.clear();
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override {
    stmts_.clear();
    sqlite3_close(db_);
  }

  int schema_version() override {
    std::lock_guard lock(mu_);
    return current_version();
  }

  std::vector<RecordOutcome> record_batch(std::span<const IncomingMessage> batch,
                                          const RecordOptions& options) override {
    std::lock_guard lock(mu_);
    const PolicySet defaults;
    const PolicySet& policies = options.policy ? *options.policy : defaults;
    std::vector<RecordOutcome> out;
    out.reserve(batch.size());
    Transaction tx(*this);
    for (const auto& m : batch) out.push_back(record_one(m, policies, options));
    if (!options.checkpoint_key.empty()) {
      Use s(stmt("INSERT INTO sink_checkpoints (sink, value) VALUES (?1, ?2) "
                 "ON CONFLICT (sink) DO UPDATE SET value = excluded.value"));
      s->bind(1, options.checkpoint_key).bind(2, options.checkpoint_value).run();
    }
    tx.commit();
    return out;
  }

  std::int64_t checkpoint(std::string_view key) override {
    std::lock_guard lock(mu_);
    Use s(stmt("SELECT value FROM sink_checkpoints WHERE sink = ?1"));
    s->bind(1, key);
    return s->step() ? s->i64(0) : 0;
  }

  std::vector<Suppression> suppressions(const SuppressionQuery& q) override {
    std::lock_guard lock(mu_);
    Use s(stmt(R"sql(
SELECT id, address, list, kind, reason, since, IFNULL(cause_result_id, 0), active, IFNULL(lifted_at, 0),
       IFNULL(lifted_by, '')
  FROM suppressions
 WHERE (?1 = 0 OR active = 1) AND (?2 IS NULL OR list = ?2)
 ORDER BY address, list, id LIMIT ?3)sql"));
    s->bind(1, q.active_only);
    if (q.list) s->bind(2, *q.list);
    else s->bind_null(2);
    s->bind(3, static_cast<std::int64_t>(std::min<std::size_t>(q.limit, INT64_MAX)));
    std::vector<Suppression> out;
    while (s->step()) out.push_back(read_suppression(*s));
    return out;
  }

  AddressReport show(std::string_view address_in, std::size_t recent_limit) override {
    std::lock_guard lock(mu_);
    AddressReport r;
    r.address = normalize_address(address_in);
    {
      Use s(stmt(R"sql(
SELECT list, hard_count, soft_count, sender_side_count, complaint_count, delayed_count, first_bounce_at,
       last_bounce_at, last_success_at, window_days, window_first_at, window_last_at
  FROM address_state WHERE address = ?1 ORDER BY list)sql"));
      s->bind(1, r.address);
      while (s->step()) {
        AddressState st = read_state(*s, 1);
        st.suppressed = has_active(r.address, s->str(0));
        r.states.emplace_back(s->str(0), st);
      }
    }
    {
      Use s(stmt(R"sql(
SELECT id, address, list, kind, reason, since, IFNULL(cause_result_id, 0), active, IFNULL(lifted_at, 0),
       IFNULL(lifted_by, '')
  FROM suppressions WHERE address = ?1 ORDER BY id DESC)sql"));
      s->bind(1, r.address);
      while (s->step()) r.suppressions.push_back(read_suppression(*s));
    }
    {
      Use s(stmt(R"sql(
SELECT id, received_at, list, reason, status, status_class, action, decision, diagnostic, hard_bounce, verified
  FROM recipient_results WHERE address = ?1 ORDER BY id DESC LIMIT ?2)sql"));
      s->bind(1, r.address).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(recent_limit, INT64_MAX)));
      while (s->step()) {
        StoredResult x;
        x.id = s->i64(0);
        x.received_at = s->i64(1);
        x.list = s->str(2);
        x.reason = s->str(3);
        x.status = s->str(4);
        x.status_class = s->str(5);
        x.action = s->str(6);
        x.decision = s->str(7);
        x.diagnostic = s->str(8);
        x.hard_bounce = s->i64(9) != 0;
        x.verified = s->i64(10) != 0;
        r.recent.push_back(std::move(x));
      }
    }
    return r;
  }

  std::vector<Suppression> lift(std::string_view address_in, std::optional<std::string> list, std::string_view by,
                                std::int64_t now, const RecordOptions& options) override {
    std::lock_guard lock(mu_);
    const std::string address = normalize_address(address_in);
    std::vector<Suppression> lifted;
    Transaction tx(*this);
    {
      Use s(stmt(R"sql(
UPDATE suppressions SET active = 0, lifted_at = ?3, lifted_by = ?4
 WHERE address = ?1 AND (?2 IS NULL OR list = ?2) AND active = 1
RETURNING id, address, list, kind, reason, since, IFNULL(cause_result_id, 0), active, IFNULL(lifted_at, 0),
          IFNULL(lifted_by, ''))sql"));
      s->bind(1, address);
      if (list) s->bind(2, *list);
      else s->bind_null(2);
      s->bind(3, now).bind(4, by);
      while (s->step()) lifted.push_back(read_suppression(*s));
    }
    for (const auto& sup : lifted) {
      AddressState st = after_lift(load_state(sup.address, sup.list));
      save_state(sup.address, sup.list, st, now);
      std::string payload = "{\"event\": \"lifted\", \"address\": ";
      append_json_string(payload, sup.address);
      payload += ", \"list\": ";
      append_json_string(payload, sup.list);
      payload += ", \"kind\": ";
      append_json_string(payload, to_string(sup.kind));
      payload += ", \"suppression_id\": " + std::to_string(sup.id);
      payload += ", \"lifted_by\": ";
      append_json_string(payload, sup.lifted_by);
      payload += ", \"at\": \"" + iso_utc(now) + "\"}";
      enqueue(options.outbox_targets, "lifted", payload, now);
    }
    tx.commit();
    return lifted;
  }

  std::vector<StatsRow> stats(std::int64_t since, StatsGroup by, std::size_t limit) override {
    std::lock_guard lock(mu_);
    // Three fixed statements rather than SQL assembled from input.
    static constexpr const char* kByDomain = R"sql(
SELECT domain, COUNT(*), SUM(status_class = 'permanent'), SUM(status_class = 'transient'), SUM(hard_bounce),
       SUM(decision = 'ignored_sender_side'), SUM(decision = 'suppress')
  FROM recipient_results WHERE received_at >= ?1 GROUP BY domain ORDER BY 2 DESC, 1 LIMIT ?2)sql";
    static constexpr const char* kByReason = R"sql(
SELECT reason, COUNT(*), SUM(status_class = 'permanent'), SUM(status_class = 'transient'), SUM(hard_bounce),
       SUM(decision = 'ignored_sender_side'), SUM(decision = 'suppress')
  FROM recipient_results WHERE received_at >= ?1 GROUP BY reason ORDER BY 2 DESC, 1 LIMIT ?2)sql";
    static constexpr const char* kByList = R"sql(
SELECT list, COUNT(*), SUM(status_class = 'permanent'), SUM(status_class = 'transient'), SUM(hard_bounce),
       SUM(decision = 'ignored_sender_side'), SUM(decision = 'suppress')
  FROM recipient_results WHERE received_at >= ?1 GROUP BY list ORDER BY 2 DESC, 1 LIMIT ?2)sql";
    const char* sql = by == StatsGroup::domain ? kByDomain : by == StatsGroup::reason ? kByReason : kByList;
    Use s(stmt(sql));
    s->bind(1, since).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<StatsRow> out;
    while (s->step()) {
      StatsRow row;
      row.key = s->str(0);
      row.results = s->i64(1);
      row.permanent = s->i64(2);
      row.transient = s->i64(3);
      row.hard = s->i64(4);
      row.sender_side = s->i64(5);
      row.suppressed = s->i64(6);
      out.push_back(std::move(row));
    }
    return out;
  }

  std::vector<OutboxItem> outbox_due(std::int64_t now, std::size_t limit) override {
    std::lock_guard lock(mu_);
    Use s(stmt(R"sql(
SELECT id, target, event, payload, attempts, created_at, next_attempt, last_error
  FROM outbox WHERE done_at IS NULL AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2)sql"));
    s->bind(1, now).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<OutboxItem> out;
    while (s->step()) {
      OutboxItem o;
      o.id = s->i64(0);
      o.target = s->str(1);
      o.event = s->str(2);
      o.payload = s->str(3);
      o.attempts = static_cast<int>(s->i64(4));
      o.created_at = s->i64(5);
      o.next_attempt = s->i64(6);
      o.last_error = s->str(7);
      out.push_back(std::move(o));
    }
    return out;
  }

  void outbox_done(std::int64_t id, std::int64_t now) override {
    std::lock_guard lock(mu_);
    Use s(stmt("UPDATE outbox SET done_at = ?2, attempts = attempts + 1, last_error = '' WHERE id = ?1"));
    s->bind(1, id).bind(2, now).run();
  }

  void outbox_retry(std::int64_t id, std::int64_t next_attempt, std::string_view error) override {
    std::lock_guard lock(mu_);
    Use s(stmt("UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE id = ?1"));
    s->bind(1, id).bind(2, next_attempt).bind(3, error.substr(0, 1000)).run();
  }

  OutboxCounts outbox_counts() override {
    std::lock_guard lock(mu_);
    Use s(stmt("SELECT SUM(done_at IS NULL), SUM(done_at IS NOT NULL) FROM outbox"));
    OutboxCounts c;
    if (s->step()) {
      c.pending = s->i64(0);
      c.done = s->i64(1);
    }
    return c;
  }

  void enqueue_event(std::string_view event, std::string_view payload, std::span<const std::string> targets,
                     std::int64_t now) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    for (const auto& target : targets) {
      Use s(stmt(R"sql(
INSERT INTO outbox (created_at, target, event, payload, next_attempt) VALUES (?1, ?2, ?3, ?4, ?1))sql"));
      s->bind(1, now).bind(2, target).bind(3, event).bind(4, payload).run();
    }
    tx.commit();
  }

  SuppressionCounts suppression_counts() override {
    std::lock_guard lock(mu_);
    SuppressionCounts c;
    Use s(stmt("SELECT kind, COUNT(*), SUM(active = 1), SUM(active = 0) FROM suppressions GROUP BY kind ORDER BY kind"));
    while (s->step()) {
      c.created.emplace_back(s->str(0), s->i64(1));
      c.active.emplace_back(s->str(0), s->i64(2));
      c.lifted += s->i64(3);
    }
    return c;
  }

 private:
  class Transaction {
   public:
    explicit Transaction(SqliteStore& st) : st_(st) { st_.exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
      if (!done_) sqlite3_exec(st_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      st_.exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& st_;
    bool done_ = false;
  };

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw StoreError("sqlite: " + msg);
    }
  }

  Stmt& stmt(const char* sql) {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) it = stmts_.emplace(sql, std::make_unique<Stmt>(db_, sql)).first;
    return *it->second;
  }

  int current_version() {
    Use s(stmt("SELECT IFNULL(MAX(version), 0) FROM schema_version"));
    return s->step() ? static_cast<int>(s->i64(0)) : 0;
  }

  void migrate(int target) {
    exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL, "
         "description TEXT NOT NULL)");
    const int have = current_version();
    if (have > kLatestVersion)
      throw StoreError("database schema version " + std::to_string(have) + " is newer than this bounced (" +
                       std::to_string(kLatestVersion) + ")");
    for (const auto& m : kMigrations) {
      if (m.version <= have || m.version > target) continue;
      Transaction tx(*this);
      exec(m.sql);
      Use s(stmt("INSERT INTO schema_version (version, applied_at, description) VALUES (?1, ?2, ?3)"));
      s->bind(1, m.version).bind(2, static_cast<std::int64_t>(std::time(nullptr))).bind(3, m.description).run();
      tx.commit();
    }
  }

  static Suppression read_suppression(Stmt& s) {
    Suppression x;
    x.id = s.i64(0);
    x.address = s.str(1);
    x.list = s.str(2);
    x.kind = parse_suppression_kind(s.str(3)).value_or(SuppressionKind::manual);
    x.reason = s.str(4);
    x.since = s.i64(5);
    x.cause_result_id = s.i64(6);
    x.active = s.i64(7) != 0;
    x.lifted_at = s.i64(8);
    x.lifted_by = s.str(9);
    return x;
  }

  static AddressState read_state(Stmt& s, int c) {
    AddressState st;
    st.hard_count = s.i64(c);
    st.soft_count = s.i64(c + 1);
    st.sender_side_count = s.i64(c + 2);
    st.complaint_count = s.i64(c + 3);
    st.delayed_count = s.i64(c + 4);
    st.first_bounce_at = s.i64(c + 5);
    st.last_bounce_at = s.i64(c + 6);
    st.last_success_at = s.i64(c + 7);
    st.window_days = static_cast<int>(s.i64(c + 8));
    st.window_first_at = s.i64(c + 9);
    st.window_last_at = s.i64(c + 10);
    return st;
  }

  bool has_active(const std::string& address, const std::string& list) {
    Use s(stmt("SELECT 1 FROM suppressions WHERE address = ?1 AND list = ?2 AND active = 1"));
    s->bind(1, address).bind(2, list);
    return s->step();
  }

  AddressState load_state(const std::string& address, const std::string& list) {
    AddressState st;
    {
      Use s(stmt(R"sql(
SELECT hard_count, soft_count, sender_side_count, complaint_count, delayed_count, first_bounce_at,
       last_bounce_at, last_success_at, window_days, window_first_at, window_last_at
  FROM address_state WHERE address = ?1 AND list = ?2)sql"));
      s->bind(1, address).bind(2, list);
      if (s->step()) st = read_state(*s, 0);
    }
    st.suppressed = has_active(address, list);
    return st;
  }

  void save_state(const std::string& address, const std::string& list, const AddressState& st, std::int64_t now) {
    Use s(stmt(R"sql(
INSERT INTO address_state (address, list, hard_count, soft_count, sender_side_count, complaint_count,
    delayed_count, first_bounce_at, last_bounce_at, last_success_at, window_days, window_first_at,
    window_last_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT (address, list) DO UPDATE SET
  hard_count = excluded.hard_count, soft_count = excluded.soft_count,
  sender_side_count = excluded.sender_side_count, complaint_count = excluded.complaint_count,
  delayed_count = excluded.delayed_count, first_bounce_at = excluded.first_bounce_at,
  last_bounce_at = excluded.last_bounce_at, last_success_at = excluded.last_success_at,
  window_days = excluded.window_days, window_first_at = excluded.window_first_at,
  window_last_at = excluded.window_last_at, updated_at = excluded.updated_at)sql"));
    s->bind(1, address).bind(2, list).bind(3, st.hard_count).bind(4, st.soft_count).bind(5, st.sender_side_count);
    s->bind(6, st.complaint_count).bind(7, st.delayed_count).bind(8, st.first_bounce_at);
    s->bind(9, st.last_bounce_at).bind(10, st.last_success_at).bind(11, st.window_days);
    s->bind(12, st.window_first_at).bind(13, st.window_last_at).bind(14, now);
    s->run();
  }

  std::size_t enqueue(const std::vector<OutboxTarget>& targets, std::string_view event, std::string_view payload,
                      std::int64_t now) {
    std::size_t n = 0;
    for (const auto& target : targets) {
      if (!target.wants(event)) continue;
      Use s(stmt(R"sql(
INSERT INTO outbox (created_at, target, event, payload, next_attempt) VALUES (?1, ?2, ?3, ?4, ?1))sql"));
      s->bind(1, now).bind(2, target.name).bind(3, event).bind(4, payload).run();
      ++n;
    }
    return n;
  }

  RecordOutcome record_one(const IncomingMessage& m, const PolicySet& policies, const RecordOptions& options) {
    if (!m.report) throw StoreError("record: message without a report");
    const MessageReport& report = *m.report;
    // The attribution entries: one per recipient result (positional), or expanded by
    // attribute_each() (several envelope recipients) with explicit result indices.
    for (std::size_t i = 0; i < m.attribution.size(); ++i) {
      const std::size_t r = m.attribution[i].result == RecipientAttribution::kPositional ? i : m.attribution[i].result;
      if (r >= report.recipients.size()) throw StoreError("record: attribution does not match the recipients");
    }
    if (m.attribution.size() > 100000) throw StoreError("record: too many attributions");
    RecordOutcome out;
    {
      Use s(stmt(R"sql(
INSERT INTO messages (content_hash, source, received_at, kind, scanner, envelope_recipient,
                      original_message_id, list)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (content_hash) DO NOTHING)sql"));
      s->bind(1, m.content_hash).bind(2, m.source).bind(3, m.received_at).bind(4, to_string(report.kind));
      s->bind(5, report.scanner).bind(6, m.envelope_recipient).bind(7, report.original.message_id);
      s->bind(8, m.list).run();
    }
    if (sqlite3_changes(db_) == 0) {
      Use s(stmt("SELECT id FROM messages WHERE content_hash = ?1"));
      s->bind(1, m.content_hash);
      if (s->step()) out.message_id = s->i64(0);
      out.duplicate = true;
      return out;
    }
    out.message_id = sqlite3_last_insert_rowid(db_);

    const std::size_t entries = m.attribution.empty() ? report.recipients.size() : m.attribution.size();
    for (std::size_t i = 0; i < entries; ++i) {
      const RecipientAttribution* a = m.attribution.empty() ? nullptr : &m.attribution[i];
      const RecipientResult& r =
          report.recipients[a && a->result != RecipientAttribution::kPositional ? a->result : i];
      RecordedRecipient rec;
      rec.address = normalize_address(a && !a->address.empty() ? a->address : r.recipient);
      rec.list = a && !a->list.empty() ? a->list : m.list;
      const bool verified = a && a->verified;

      const AddressState before = load_state(rec.address, rec.list);
      PolicyEvent ev;
      ev.kind = report.kind;
      ev.reason = r.reason;
      ev.hard_bounce = r.hard_bounce;
      ev.status_class = r.status_class;
      ev.action = r.action;
      ev.time = m.received_at;
      ev.verified = verified;
      rec.decision = decide(policies.for_list(rec.list), ev, before);

      {
        Use s(stmt(R"sql(
INSERT INTO recipient_results (message_id, received_at, address, domain, list, dsn_recipient, action, status,
    status_class, reply_code, reason, hard_bounce, diagnostic, remote_mta, verified, decision, subscriber_ref)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql"));
        s->bind(1, out.message_id).bind(2, m.received_at).bind(3, rec.address).bind(4, domain_of(rec.address));
        s->bind(5, rec.list).bind(6, r.recipient).bind(7, r.action).bind(8, r.status).bind(9, r.status_class);
        s->bind(10, r.reply_code).bind(11, r.reason).bind(12, r.hard_bounce);
        s->bind(13, std::string_view(r.diagnostic_code).substr(0, 4000)).bind(14, r.remote_mta);
        s->bind(15, verified).bind(16, to_string(rec.decision.verdict)).bind(17, a ? a->subscriber_ref : "");
        s->run();
        rec.result_id = sqlite3_last_insert_rowid(db_);
      }
      if (rec.decision.verdict != Verdict::no_effect && rec.decision.verdict != Verdict::ignored_unverified)
        save_state(rec.address, rec.list, rec.decision.next, m.received_at);
      if (rec.decision.creates_suppression()) {
        {
          Use s(stmt(R"sql(
INSERT INTO suppressions (address, list, kind, reason, since, cause_result_id, active)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1))sql"));
          s->bind(1, rec.address).bind(2, rec.list).bind(3, to_string(rec.decision.kind)).bind(4, r.reason);
          s->bind(5, m.received_at).bind(6, rec.result_id).run();
          rec.suppression_id = sqlite3_last_insert_rowid(db_);
        }
        if (!options.outbox_targets.empty()) {
          std::string payload = "{\"event\": \"suppressed\", \"address\": ";
          append_json_string(payload, rec.address);
          payload += ", \"list\": ";
          append_json_string(payload, rec.list);
          payload += ", \"kind\": ";
          append_json_string(payload, to_string(rec.decision.kind));
          payload += ", \"reason\": ";
          append_json_string(payload, r.reason);
          payload += ", \"status\": ";
          append_json_string(payload, r.status);
          payload += ", \"diagnostic\": ";
          append_json_string(payload, std::string_view(r.diagnostic_code).substr(0, 1000));
          payload += ", \"suppression_id\": " + std::to_string(rec.suppression_id);
          payload += ", \"verified\": ";
          payload += verified ? "true" : "false";
          payload += ", \"original_message_id\": ";
          append_json_string(payload, report.original.message_id);
          if (a && !a->subscriber_ref.empty()) {
            payload += ", \"subscriber_ref\": ";
            append_json_string(payload, a->subscriber_ref);
          }
          payload += ", \"since\": \"" + iso_utc(m.received_at) + "\"}";
          enqueue(options.outbox_targets, "suppressed", payload, m.received_at);
        }
      }
      out.recipients.push_back(std::move(rec));
    }
    return out;
  }

  std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::map<const char*, std::unique_ptr<Stmt>> stmts_;
};

}  // namespace

bool OutboxTarget::wants(std::string_view event) const {
  return events.empty() || std::find(events.begin(), events.end(), event) != events.end();
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

int sqlite_latest_schema_version() { return kLatestVersion; }

}  // namespace bounced
