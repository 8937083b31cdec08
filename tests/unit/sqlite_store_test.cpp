// sqlite_store_test.cpp: daemon/sqlite_store with real SQLite files in a temporary directory:
// migrations (from empty, from an older version, refusing a newer one), WAL mode, idempotency on
// the content hash, batches and rollback, policy application (hard, soft over days, sender-side,
// complaints, unverified), attribution, lift, outbox, stats.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store.hpp"

#include "temp_dir.hpp"

using namespace bounced;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'767'225'600;  // 2026-01-01T00:00:00Z

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("bounced-store") {}
};

RecipientResult result(std::string recipient, std::string reason, bool hard, std::string status = "5.1.1",
                       std::string action = "failed") {
  RecipientResult r;
  r.recipient = std::move(recipient);
  r.reason = std::move(reason);
  r.hard_bounce = hard;
  r.status = status;
  r.status_class = status.empty() ? "" : status[0] == '5' ? "permanent" : status[0] == '4' ? "transient" : "success";
  r.action = std::move(action);
  r.diagnostic_code = "550 5.1.1 <" + r.recipient + ">: test";
  return r;
}

MessageReport report(std::vector<RecipientResult> rs, MessageKind kind = MessageKind::bounce) {
  MessageReport m;
  m.kind = kind;
  m.scanner = "rfc3464";
  m.original.message_id = "<orig@example.net>";
  m.recipients = std::move(rs);
  return m;
}

IncomingMessage incoming(const MessageReport& r, std::string hash, std::int64_t t, std::string list = "") {
  IncomingMessage m;
  m.content_hash = std::move(hash);
  m.source = "test";
  m.received_at = t;
  m.report = &r;
  m.list = std::move(list);
  return m;
}

std::int64_t count(const fs::path& db, const char* sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  std::int64_t n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

}  // namespace

TEST(SqliteStore, MigratesFromEmpty) {
  TempDir dir;
  const auto path = dir / "bounced.db";
  {
    auto store = open_sqlite_store(path);
    EXPECT_EQ(store->schema_version(), sqlite_latest_schema_version());
  }
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM schema_version"), sqlite_latest_schema_version());
  for (const char* table : {"messages", "recipient_results", "address_state", "suppressions", "outbox"}) {
    const std::string q = std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") + table + "'";
    EXPECT_EQ(count(path, q.c_str()), 1) << table;
  }
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(h);
  // Reopening an up-to-date database applies nothing.
  auto again = open_sqlite_store(path);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM schema_version"), sqlite_latest_schema_version());
}

TEST(SqliteStore, MigratesFromVersionOneKeepingData) {
  TempDir dir;
  const auto path = dir / "old.db";
  {
    SqliteOptions o;
    o.max_schema_version = 1;
    auto store = open_sqlite_store(path, o);
    EXPECT_EQ(store->schema_version(), 1);
  }
  {  // a version-1 program's data (today's statements need the latest schema)
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(h,
                           "INSERT INTO suppressions (address, list, kind, reason, since, active) "
                           "VALUES ('old@example.org', '', 'hard', 'userunknown', 1, 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(h);
  }
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM sqlite_master WHERE name='outbox'"), 0);
  auto store = open_sqlite_store(path);
  EXPECT_EQ(store->schema_version(), sqlite_latest_schema_version());
  EXPECT_EQ(store->suppressions({}).size(), 1u);
  EXPECT_EQ(store->outbox_counts().pending, 0);
}

TEST(SqliteStore, RefusesNewerSchemaAndMissingFile) {
  TempDir dir;
  const auto path = dir / "new.db";
  open_sqlite_store(path);
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "INSERT INTO schema_version VALUES (99, 0, 'future')", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(h);
  EXPECT_THROW(open_sqlite_store(path), StoreError);
  SqliteOptions o;
  o.create = false;
  EXPECT_THROW(open_sqlite_store(dir / "missing.db", o), StoreError);
  EXPECT_THROW(open_sqlite_store(dir / "no-such-dir" / "x.db"), StoreError);
}

TEST(SqliteStore, IdempotentOnContentHash) {
  TempDir dir;
  const auto path = dir / "b.db";
  auto store = open_sqlite_store(path);
  const auto r = report({result("a@example.org", "userunknown", true), result("b@example.org", "mailboxfull", false)});
  const auto first = store->record(incoming(r, "same", kT0), {});
  EXPECT_FALSE(first.duplicate);
  ASSERT_EQ(first.recipients.size(), 2u);
  const auto second = store->record(incoming(r, "same", kT0 + 60), {});
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.message_id, first.message_id);
  EXPECT_TRUE(second.recipients.empty());
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM messages"), 1);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM recipient_results"), 2);
  EXPECT_EQ(count(path, "SELECT soft_count FROM address_state WHERE address='b@example.org'"), 1);
}

TEST(SqliteStore, BatchIsOneTransaction) {
  TempDir dir;
  const auto path = dir / "b.db";
  auto store = open_sqlite_store(path);
  const auto r1 = report({result("a@example.org", "userunknown", true)});
  const auto r2 = report({result("b@example.org", "userunknown", true)});
  std::vector<IncomingMessage> batch = {incoming(r1, "h1", kT0), incoming(r2, "h2", kT0), incoming(r1, "h1", kT0)};
  const auto out = store->record_batch(batch, {});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_FALSE(out[1].duplicate);
  EXPECT_TRUE(out[2].duplicate);
  EXPECT_EQ(store->suppressions({}).size(), 2u);

  // A bad message anywhere in the batch writes nothing at all.
  const auto r3 = report({result("c@example.org", "userunknown", true)});
  std::vector<IncomingMessage> bad = {incoming(r3, "h3", kT0), incoming(r3, "h4", kT0)};
  bad[1].attribution.resize(5);
  EXPECT_THROW(store->record_batch(bad, {}), StoreError);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM messages"), 2);
  EXPECT_EQ(store->suppressions({}).size(), 2u);
  // The store is usable after the rollback.
  EXPECT_FALSE(store->record(incoming(r3, "h3", kT0), {}).duplicate);
}

TEST(SqliteStore, HardBounceSuppressesWithOutbox) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "b.db");
  RecordOptions opt;
  opt.outbox_targets = {OutboxTarget{"webhook:main", {}}, OutboxTarget{"command:mailman", {}}};
  const auto r = report({result("Dead@Example.ORG", "userunknown", true)});
  const auto out = store->record(incoming(r, "h", kT0, "news"), opt);
  ASSERT_EQ(out.recipients.size(), 1u);
  EXPECT_EQ(out.recipients[0].decision.verdict, Verdict::suppress);
  EXPECT_GT(out.recipients[0].suppression_id, 0);
  const auto sup = store->suppressions({});
  ASSERT_EQ(sup.size(), 1u);
  EXPECT_EQ(sup[0].address, "dead@example.org");
  EXPECT_EQ(sup[0].list, "news");
  EXPECT_EQ(sup[0].kind, SuppressionKind::hard);
  EXPECT_EQ(sup[0].reason, "userunknown");
  EXPECT_EQ(sup[0].since, kT0);
  EXPECT_EQ(sup[0].cause_result_id, out.recipients[0].result_id);
  EXPECT_TRUE(sup[0].active);

  const auto due = store->outbox_due(kT0, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].event, "suppressed");
  EXPECT_NE(due[0].payload.find("\"address\": \"dead@example.org\""), std::string::npos) << due[0].payload;
  EXPECT_NE(due[0].payload.find("\"since\": \"2026-01-01T00:00:00Z\""), std::string::npos);
  store->outbox_done(due[0].id, kT0 + 1);
  store->outbox_retry(due[1].id, kT0 + 120, "connection refused");
  EXPECT_TRUE(store->outbox_due(kT0 + 60, 10).empty());
  const auto later = store->outbox_due(kT0 + 120, 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].attempts, 1);
  EXPECT_EQ(later[0].last_error, "connection refused");
  EXPECT_EQ(store->outbox_counts().pending, 1);
  EXPECT_EQ(store->outbox_counts().done, 1);

  const auto shown = store->show("<DEAD@example.org>");
  ASSERT_EQ(shown.states.size(), 1u);
  EXPECT_EQ(shown.states[0].first, "news");
  EXPECT_EQ(shown.states[0].second.hard_count, 1);
  EXPECT_TRUE(shown.states[0].second.suppressed);
  ASSERT_EQ(shown.recent.size(), 1u);
  EXPECT_EQ(shown.recent[0].decision, "suppress");
}

TEST(SqliteStore, SoftBouncesOverDaysThenLift) {
  TempDir dir;
  const auto path = dir / "b.db";
  RecordOptions opt;
  opt.outbox_targets = {OutboxTarget{"w", {}}};
  const auto full = report({result("full@example.org", "mailboxfull", false, "4.2.2")});
  const double days[] = {0, 0.5, 2, 4, 6};
  {
    auto store = open_sqlite_store(path);
    int n = 0;
    for (double d : days) {
      const auto out =
          store->record(incoming(full, "m" + std::to_string(n++), kT0 + static_cast<std::int64_t>(d * kDay)), opt);
      EXPECT_NE(out.recipients.at(0).decision.verdict, Verdict::suppress);
    }
    EXPECT_TRUE(store->suppressions({}).empty());
  }
  // Across a restart the state carries on: day 7 is the fifth counted day over a 7-day span.
  auto store = open_sqlite_store(path);
  auto out = store->record(incoming(full, "m7", kT0 + 7 * kDay), opt);
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::suppress);
  EXPECT_EQ(out.recipients.at(0).decision.kind, SuppressionKind::soft);
  out = store->record(incoming(full, "m8", kT0 + 8 * kDay), opt);
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::already_suppressed);

  const auto lifted = store->lift("full@example.org", std::nullopt, "alice", kT0 + 9 * kDay, opt);
  ASSERT_EQ(lifted.size(), 1u);
  EXPECT_FALSE(lifted[0].active);
  EXPECT_EQ(lifted[0].lifted_by, "alice");
  EXPECT_EQ(lifted[0].lifted_at, kT0 + 9 * kDay);
  EXPECT_TRUE(store->suppressions({}).empty());
  SuppressionQuery all;
  all.active_only = false;
  EXPECT_EQ(store->suppressions(all).size(), 1u);
  EXPECT_EQ(count(path, "SELECT window_days FROM address_state WHERE address='full@example.org'"), 0);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM outbox WHERE event='lifted'"), 1);
  // Lifting again finds nothing; the window starts over after a lift.
  EXPECT_TRUE(store->lift("full@example.org", std::nullopt, "alice", kT0 + 9 * kDay, opt).empty());
  out = store->record(incoming(full, "m10", kT0 + 10 * kDay), opt);
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::counted_soft);
  // A hard bounce after the lift suppresses again, as a new row.
  const auto dead = report({result("full@example.org", "userunknown", true)});
  out = store->record(incoming(dead, "m11", kT0 + 11 * kDay), opt);
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::suppress);
  EXPECT_EQ(store->suppressions(all).size(), 2u);
}

TEST(SqliteStore, LiftOneListOnly) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "b.db");
  const auto r = report({result("x@example.org", "userunknown", true)});
  store->record(incoming(r, "a", kT0, "news"), {});
  store->record(incoming(r, "b", kT0, "offers"), {});
  EXPECT_EQ(store->suppressions({}).size(), 2u);
  EXPECT_EQ(store->lift("x@example.org", std::string("offers"), "bob", kT0, {}).size(), 1u);
  const auto left = store->suppressions({});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].list, "news");
  SuppressionQuery q;
  q.list = "offers";
  EXPECT_TRUE(store->suppressions(q).empty());
}

TEST(SqliteStore, SenderSideComplaintsAndStats) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "b.db");
  int n = 0;
  for (int day = 0; day < 10; ++day) {
    const auto blocked = report({result("vip@big.example", "blocked", false, "5.7.1"),
                                 result("spam@big.example", "spamdetected", false, "5.7.1")});
    store->record(incoming(blocked, "s" + std::to_string(n++), kT0 + day * kDay), {});
  }
  EXPECT_TRUE(store->suppressions({}).empty());
  const auto fb = report({result("angry@small.example", "feedback", false, "")}, MessageKind::feedback);
  auto out = store->record(incoming(fb, "fb", kT0 + 10 * kDay), {});
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::suppress);
  EXPECT_EQ(store->suppressions({}).at(0).kind, SuppressionKind::complaint);
  const auto vac = report({result("away@small.example", "vacation", false, "")}, MessageKind::auto_reply);
  out = store->record(incoming(vac, "vac", kT0 + 10 * kDay), {});
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::no_effect);
  EXPECT_TRUE(store->show("away@small.example").states.empty());

  auto rows = store->stats(kT0, StatsGroup::domain, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key, "big.example");
  EXPECT_EQ(rows[0].results, 20);
  EXPECT_EQ(rows[0].permanent, 20);
  EXPECT_EQ(rows[0].sender_side, 20);
  EXPECT_EQ(rows[0].suppressed, 0);
  EXPECT_EQ(rows[1].key, "small.example");
  EXPECT_EQ(rows[1].suppressed, 1);
  rows = store->stats(kT0 + 9 * kDay, StatsGroup::reason, 10);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].results, 1);
  rows = store->stats(kT0, StatsGroup::list, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "");
  EXPECT_EQ(rows[0].results, 22);
}

TEST(SqliteStore, AttributionAndVerifiedOnly) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "b.db");
  PolicySet policies;
  PolicyOverride secure;
  secure.require_verified = true;
  policies.lists.emplace("secure", secure);
  RecordOptions opt;
  opt.policy = &policies;

  // The DSN names a forward; the VERP-decoded subscriber is who gets suppressed.
  const auto r = report({result("forward@elsewhere.example", "userunknown", true)});
  auto m = incoming(r, "v1", kT0);
  m.envelope_recipient = "secure-bounces+sub=example.org@lists.example.net";
  m.attribution = {RecipientAttribution{"Sub@Example.org", "secure", false, "", 0}};
  auto out = store->record(m, opt);
  EXPECT_EQ(out.recipients.at(0).address, "sub@example.org");
  EXPECT_EQ(out.recipients.at(0).list, "secure");
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::ignored_unverified);
  EXPECT_TRUE(store->suppressions({}).empty());
  EXPECT_EQ(store->show("sub@example.org").recent.size(), 1u);  // still recorded

  auto m2 = incoming(r, "v2", kT0);
  m2.attribution = {RecipientAttribution{"sub@example.org", "secure", true, "", 0}};
  out = store->record(m2, opt);
  EXPECT_EQ(out.recipients.at(0).decision.verdict, Verdict::suppress);
  const auto sup = store->suppressions({});
  ASSERT_EQ(sup.size(), 1u);
  EXPECT_EQ(sup[0].address, "sub@example.org");
  EXPECT_EQ(sup[0].list, "secure");
  EXPECT_TRUE(store->show("forward@elsewhere.example").states.empty());
}

TEST(SqliteStore, EnqueueEventCheckpointAndExpandedAttribution) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "b.db");
  const std::vector<OutboxTarget> targets = {{"hook", {}}, {"cmd", {"suppressed"}}};
  const std::vector<std::string> hook = {"hook"};
  store->enqueue_event("alert", R"({"event": "alert", "domain": "example.com"})", hook, kT0);
  auto due = store->outbox_due(kT0, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].target, "hook");
  EXPECT_EQ(due[0].event, "alert");

  // One result attributed to two subscribers (two VERP RCPTs): two results, two suppressions,
  // the checkpoint written with the batch.
  const auto r = report({result("alias@forward.example", "userunknown", true)});
  auto m = incoming(r, "multi", kT0);
  m.attribution = {RecipientAttribution{"a@example.org", "", false, "", 0},
                   RecipientAttribution{"b@example.org", "", false, "ref-b", 0}};
  RecordOptions opt;
  opt.outbox_targets = targets;
  opt.checkpoint_key = "sqlite:test";
  opt.checkpoint_value = 7;
  const auto out = store->record(m, opt);
  ASSERT_EQ(out.recipients.size(), 2u);
  EXPECT_EQ(store->suppressions({}).size(), 2u);
  EXPECT_EQ(store->checkpoint("sqlite:test"), 7);
  EXPECT_EQ(store->checkpoint("other"), 0);
  EXPECT_EQ(store->outbox_due(kT0, 10).size(), 5u);  // the alert + 2 suppressions x 2 targets
  EXPECT_EQ(count(dir / "b.db", "SELECT COUNT(*) FROM recipient_results WHERE subscriber_ref = 'ref-b'"), 1);

  m.attribution = {RecipientAttribution{"a@example.org", "", false, "", 3}};
  auto bad = incoming(r, "bad", kT0);
  bad.attribution = m.attribution;
  EXPECT_THROW(store->record(bad, opt), StoreError);  // result index out of range
}
