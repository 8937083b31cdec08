// store.hpp: the durable record of list hygiene — processed messages, recipient results, per-address
// state, suppressions and the outbox of pending actions — behind an abstract interface, so that a
// PostgreSQL store for several hosts can follow the embedded SQLite one (sqlite_store.cpp).
// Every write goes through record_batch(): one transaction per batch (group commit), idempotent on
// the message's content hash, applying the suppression policy (lib/policy.hpp) inside the same
// transaction so concurrent writers cannot double-count. Errors throw StoreError.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "attribution.hpp"
#include "policy.hpp"
#include "record.hpp"

namespace bounced {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One message to record. `report` must outlive the call.
struct IncomingMessage {
  std::string content_hash;         // idempotency key (hex digest of the raw bytes)
  std::string source;               // "lmtp", a Maildir path, "cli", ...
  std::int64_t received_at = 0;     // unix seconds; also the time the policy sees
  std::string envelope_recipient;   // LMTP RCPT / Delivered-To ("" unknown)
  std::string list;                 // list the whole message is attributed to ("" none)
  const MessageReport* report = nullptr;
  std::vector<RecipientAttribution> attribution;  // parallel to report->recipients, or empty (lib/attribution)
};

// An action target (config `hygiene.actions`) and the events it receives.
struct OutboxTarget {
  std::string name;
  std::vector<std::string> events;  // "suppressed", "lifted", "alert", "resolved"; empty = every event
  bool wants(std::string_view event) const;
};

struct RecordOptions {
  const PolicySet* policy = nullptr;          // nullptr = built-in defaults
  std::vector<OutboxTarget> outbox_targets;  // one outbox row per interested target per event
  // A sink's position, written in the same transaction as the batch (Sink::checkpoint): after a
  // crash the dedup log only counts a batch the store holds too. Empty key = none.
  std::string checkpoint_key;
  std::int64_t checkpoint_value = 0;
};

struct RecordedRecipient {
  std::int64_t result_id = 0;
  std::string address, list;
  Decision decision;
  std::int64_t suppression_id = 0;  // set when this result created a suppression
};

struct RecordOutcome {
  bool duplicate = false;  // the content hash was already recorded: nothing written
  std::int64_t message_id = 0;
  std::vector<RecordedRecipient> recipients;
};

struct Suppression {
  std::int64_t id = 0;
  std::string address, list;
  SuppressionKind kind = SuppressionKind::hard;
  std::string reason;            // the Sisimai reason of the causing result
  std::int64_t since = 0;
  std::int64_t cause_result_id = 0;  // recipient_results.id, 0 for manual
  bool active = true;
  std::int64_t lifted_at = 0;
  std::string lifted_by;
};

struct SuppressionQuery {
  bool active_only = true;
  std::optional<std::string> list;  // exact list ("" = unattributed) or any
  std::size_t limit = 1000000;
};

struct StoredResult {
  std::int64_t id = 0;
  std::int64_t received_at = 0;
  std::string list, reason, status, status_class, action, decision, diagnostic;
  bool hard_bounce = false;
  bool verified = false;
};

struct AddressReport {
  std::string address;
  std::vector<std::pair<std::string, AddressState>> states;  // by list
  std::vector<Suppression> suppressions;                     // active and lifted, newest first
  std::vector<StoredResult> recent;                          // newest first
};

enum class StatsGroup { domain, reason, list };

struct StatsRow {
  std::string key;
  std::int64_t results = 0, permanent = 0, transient = 0, hard = 0, sender_side = 0, suppressed = 0;
};

struct OutboxItem {
  std::int64_t id = 0;
  std::string target, event, payload;  // payload: one JSON object
  int attempts = 0;
  std::int64_t created_at = 0, next_attempt = 0;
  std::string last_error;
};

struct OutboxCounts {
  std::int64_t pending = 0, done = 0;
};

// Suppression totals for the metrics endpoint, by kind name (hard, soft, complaint, manual).
struct SuppressionCounts {
  std::vector<std::pair<std::string, std::int64_t>> created, active;  // every suppression ever / active now
  std::int64_t lifted = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual int schema_version() = 0;

  // Records every message of the batch in one transaction (all or nothing).
  virtual std::vector<RecordOutcome> record_batch(std::span<const IncomingMessage> batch,
                                                  const RecordOptions& options) = 0;
  RecordOutcome record(const IncomingMessage& message, const RecordOptions& options) {
    return record_batch(std::span(&message, 1), options).front();
  }

  virtual std::vector<Suppression> suppressions(const SuppressionQuery& query) = 0;
  virtual AddressReport show(std::string_view address, std::size_t recent_limit = 20) = 0;
  // Lifts the active suppressions of `address` (on `list`, or on every list). Resets the soft
  // window, queues a "lifted" event per target. Returns what was lifted.
  virtual std::vector<Suppression> lift(std::string_view address, std::optional<std::string> list,
                                        std::string_view by, std::int64_t now, const RecordOptions& options) = 0;

  // Results received at or after `since`, grouped, most results first.
  virtual std::vector<StatsRow> stats(std::int64_t since, StatsGroup by, std::size_t limit) = 0;

  // The checkpoint stored under `key` by record_batch (0 when none).
  virtual std::int64_t checkpoint(std::string_view key) = 0;

  virtual std::vector<OutboxItem> outbox_due(std::int64_t now, std::size_t limit) = 0;
  virtual void outbox_done(std::int64_t id, std::int64_t now) = 0;
  virtual void outbox_retry(std::int64_t id, std::int64_t next_attempt, std::string_view error) = 0;
  virtual OutboxCounts outbox_counts() = 0;

  // Queues one event (for example a transient-failure "alert" or "resolved"; `payload` is one JSON
  // object) for each of `targets`, in its own transaction.
  virtual void enqueue_event(std::string_view event, std::string_view payload, std::span<const std::string> targets,
                             std::int64_t now) = 0;
  virtual SuppressionCounts suppression_counts() = 0;
};

struct SqliteOptions {
  bool create = true;           // create the file (and schema) when missing
  bool synchronous_full = true; // fsync the WAL at every commit (a 250 promises durability)
  int busy_timeout_ms = 5000;
  int max_schema_version = 0;   // tests: stop migrating at this version (0 = latest)
};

// Opens (creating and migrating as needed) the SQLite store at `path`.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, const SqliteOptions& options = {});

// The schema version the code migrates to.
int sqlite_latest_schema_version();

}  // namespace bounced
