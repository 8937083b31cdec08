// sqlite_sink_test.cpp: daemon/sqlite_sink — a commit batch recorded through the Sink interface on
// a real SQLite file: the VERP envelope recipient (LMTP RCPT) names the subscriber, quarantined
// records are skipped, a batch retried after another sink failed records nothing twice.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "sqlite_sink.hpp"

using namespace bounced;
namespace fs = std::filesystem;

namespace {

MessageRecord bounce_record(std::uint64_t id, std::string rcpt) {
  MessageRecord r;
  r.hash = MessageHash{id, id};
  r.source = "lmtp:test";
  r.parsed = true;
  r.envelope_recipient = std::move(rcpt);
  r.report.kind = MessageKind::bounce;
  RecipientResult x;
  x.recipient = "alias@forward.example";
  x.reason = "userunknown";
  x.hard_bounce = true;
  x.status = "5.1.1";
  x.status_class = "permanent";
  x.action = "failed";
  r.report.recipients.push_back(x);
  return r;
}

}  // namespace

TEST(SqliteSink, RecordsBatchWithVerpAttribution) {
  std::string templ = (fs::temp_directory_path() / "bounced-sink-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path dir = templ;
  {
    SqliteSinkOptions o;
    o.path = dir / "bounced.db";
    SqliteSink sink(std::move(o));
    EXPECT_TRUE(sink.durable());
    EXPECT_EQ(sink.id().rfind("sqlite:", 0), 0u);

    auto a = bounce_record(1, "news-bounces+sub=example.org@lists.example.net");
    MessageRecord quarantined;
    quarantined.hash = MessageHash{2, 2};
    quarantined.parsed = false;
    sink.stage(a);
    sink.stage(quarantined);
    sink.flush();
    sink.rollback();  // another sink failed: the MTA will retry the same message
    sink.stage(a);
    sink.flush();
    sink.committed();

    const auto sup = sink.store().suppressions({});
    ASSERT_EQ(sup.size(), 1u);
    EXPECT_EQ(sup[0].address, "sub@example.org");
    EXPECT_EQ(sup[0].list, "news");
    EXPECT_EQ(sink.store().show("sub@example.org").recent.size(), 1u);  // recorded once

    // No VERP: the DSN's recipient stands.
    auto b = bounce_record(3, "bounces@lists.example.net");
    sink.stage(b);
    sink.flush();
    sink.committed();
    EXPECT_EQ(sink.store().suppressions({}).size(), 2u);
    EXPECT_EQ(sink.store().show("alias@forward.example").suppressions.size(), 1u);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(SqliteSink, PickEnvelopeRecipient) {
  const AttributionConfig c;
  EXPECT_EQ(pick_envelope_recipient({}, c), "");
  EXPECT_EQ(pick_envelope_recipient({"a@b.example", "bounces+x=y.example@h.example"}, c),
            "bounces+x=y.example@h.example");
  EXPECT_EQ(pick_envelope_recipient({"a@b.example", "c@d.example"}, c), "a@b.example");
}

TEST(Attribution, EnvelopeRecipientCandidates) {
  const auto c = envelope_recipient_candidates(
      "Delivered-To: bounces@h.example\nX-Original-To: bounces+a=b.example@h.example\n\nX-Original-To: no@x\n");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "bounces+a=b.example@h.example");
  EXPECT_EQ(c[1], "bounces@h.example");
}

TEST(SqliteSink, EveryRcptAttributedCheckpointAndSha256Identity) {
  std::string templ = (fs::temp_directory_path() / "bounced-sink-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path dir = templ;
  {
    SqliteSinkOptions o;
    o.path = dir / "bounced.db";
    int woken = 0;
    o.outbox_targets = {OutboxTarget{"hook", {}}};
    o.on_outbox = [&] { ++woken; };
    SqliteSink sink(o);
    EXPECT_EQ(sink.checkpoint(), "0");
    auto a = bounce_record(10, "bounces+one=example.org@lists.example.net");
    a.envelope_recipients = {"bounces+one=example.org@lists.example.net", "bounces+two=example.org@lists.example.net"};
    a.content_sha256 = "feedface";
    sink.stage(a);
    EXPECT_EQ(sink.checkpoint(), "1");
    EXPECT_FALSE(sink.has_reached("1"));
    sink.flush();
    sink.committed();
    EXPECT_TRUE(sink.has_reached("1"));
    EXPECT_EQ(woken, 1);
    EXPECT_EQ(sink.store().suppressions({}).size(), 2u);  // each RCPT's subscriber
    EXPECT_EQ(sink.store().outbox_counts().pending, 2);
    // The same bytes recorded by `bounced record` (SHA-256 identity) are a duplicate.
    MessageReport report = a.report;
    IncomingMessage m;
    m.content_hash = "feedface";
    m.report = &report;
    EXPECT_TRUE(sink.store().record(m, {}).duplicate);
  }
  {
    SqliteSinkOptions o;
    o.path = dir / "bounced.db";
    SqliteSink reopened(o);  // the batch number survives a restart
    EXPECT_EQ(reopened.checkpoint(), "1");
    EXPECT_TRUE(reopened.has_reached("1"));
    EXPECT_FALSE(reopened.has_reached("2"));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(SqliteSink, MaildirCandidatesRepickedWithTheConfiguredScheme) {
  std::string templ = (fs::temp_directory_path() / "bounced-sink-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path dir = templ;
  {
    SqliteSinkOptions o;
    o.path = dir / "bounced.db";
    o.attribution.scheme.prefix = "return";  // not the default "bounces"
    SqliteSink sink(o);
    // The watcher picked with the default scheme (nothing VERP: the first); the sink re-picks.
    auto a = bounce_record(20, "bounces@lists.example.net");
    a.envelope_candidates = {"bounces@lists.example.net", "return+sub=example.org@lists.example.net"};
    sink.stage(a);
    sink.flush();
    sink.committed();
    const auto sup = sink.store().suppressions({});
    ASSERT_EQ(sup.size(), 1u);
    EXPECT_EQ(sup[0].address, "sub@example.org");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}
