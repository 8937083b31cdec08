// metrics_test.cpp: the metrics registry's text exposition format (0.0.4), fixed label
// vocabularies, the bounced metric set and the HTTP answer for /metrics and other paths.
#include "metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "bounce_metrics.hpp"
#include "metrics_server.hpp"
#include "sink.hpp"

namespace bounced {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsRegistry, CounterTextFormat) {
  MetricRegistry r;
  auto& c = r.counter("demo_events_total", "Events seen.\nSecond line with a \\ backslash.",
                      {{"kind", {"a", "b"}}, {"where", {"x"}}});
  c.inc({"a", "x"});
  c.inc({"a", "x"}, 2);
  c.inc({"b", "x"});
  const auto text = r.render();
  EXPECT_EQ(text,
            "# HELP demo_events_total Events seen.\\nSecond line with a \\\\ backslash.\n"
            "# TYPE demo_events_total counter\n"
            "demo_events_total{kind=\"a\",where=\"x\"} 3\n"
            "demo_events_total{kind=\"b\",where=\"x\"} 1\n");
}

TEST(MetricsRegistry, UnknownLabelValuesLandInOther) {
  MetricRegistry r;
  auto& c = r.counter("demo_total", "h", {{"domain_group", {"google"}}});
  c.inc({"someone@example.com"});
  c.inc({"example.com"});
  c.inc({"google"});
  const auto text = r.render();
  EXPECT_TRUE(has_line(text, "demo_total{domain_group=\"other\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "demo_total{domain_group=\"google\"} 1")) << text;
  EXPECT_EQ(text.find("example.com"), std::string::npos);
  // A wrong number of values is dropped: not a crash, not counted under a real series.
  c.inc({"a", "b"});
  c.touch(c.index({}));
  EXPECT_EQ(c.value(c.index({"a", "b"})), 0u);
  EXPECT_EQ(r.render(), text);
}

TEST(MetricsRegistry, TouchedSeriesAreExportedAtZero) {
  MetricRegistry r;
  auto& c = r.counter("demo_total", "h", {{"class", {"2xx", "4xx"}}});
  c.touch(c.index({"4xx"}));
  EXPECT_TRUE(has_line(r.render(), "demo_total{class=\"4xx\"} 0"));
  EXPECT_EQ(r.render().find("2xx"), std::string::npos);
}

TEST(MetricsRegistry, GaugeAndValues) {
  MetricRegistry r;
  auto& g = r.gauge("demo_backlog", "h");
  g.set(3);
  g.add(-1.5);
  auto& i = r.gauge("demo_info", "h", {{"version", {"1.2.3"}}});
  i.set(0, 1);
  auto& special = r.gauge("demo_special", "h", {{"v", {"inf", "nan"}}});
  special.set(special.index({"inf"}), 1.0 / 0.0);
  special.set(special.index({"nan"}), 0.0 / 0.0);
  const auto text = r.render();
  EXPECT_TRUE(has_line(text, "# TYPE demo_backlog gauge"));
  EXPECT_TRUE(has_line(text, "demo_backlog 1.5")) << text;
  EXPECT_TRUE(has_line(text, "demo_info{version=\"1.2.3\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "demo_special{v=\"inf\"} +Inf")) << text;
  EXPECT_TRUE(has_line(text, "demo_special{v=\"nan\"} NaN")) << text;
}

TEST(MetricsRegistry, HistogramIsCumulativeWithInfSumAndCount) {
  MetricRegistry r;
  auto& h = r.histogram("demo_duration_seconds", "h", {0.005, 0.1, 1});
  h.observe(0.001);
  h.observe(0.005);  // le is inclusive
  h.observe(0.5);
  h.observe(30);
  const auto text = r.render();
  EXPECT_TRUE(has_line(text, "# TYPE demo_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_bucket{le=\"0.005\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_bucket{le=\"0.1\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_bucket{le=\"1\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_bucket{le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_sum 30.506")) << text;
  EXPECT_TRUE(has_line(text, "demo_duration_seconds_count 4")) << text;
}

TEST(MetricsRegistry, LabelledHistogramPutsLeLast) {
  MetricRegistry r;
  auto& h = r.histogram("demo_seconds", "h", {1}, {{"source", {"lmtp"}}});
  h.observe(h.label_set().index({"lmtp"}), 0.5);
  EXPECT_TRUE(has_line(r.render(), "demo_seconds_bucket{source=\"lmtp\",le=\"1\"} 1")) << r.render();
  EXPECT_TRUE(has_line(r.render(), "demo_seconds_count{source=\"lmtp\"} 1"));
}

TEST(MetricsRegistry, RejectsBadNamesAndDuplicates) {
  MetricRegistry r;
  EXPECT_THROW(r.counter("demo_events", "counters end in _total"), std::logic_error);
  EXPECT_THROW(r.gauge("2bad", "h"), std::logic_error);
  EXPECT_THROW(r.gauge("bad-name", "h"), std::logic_error);
  EXPECT_THROW(r.gauge("demo_x", "h", {{"__reserved", {"a"}}}), std::logic_error);
  EXPECT_THROW(r.gauge("demo_y", "h", {{"a", {"x"}}, {"a", {"y"}}}), std::logic_error);
  EXPECT_THROW(r.histogram("demo_h", "h", {1, 0.5}), std::logic_error);
  r.gauge("demo_ok", "h");
  EXPECT_THROW(r.gauge("demo_ok", "h"), std::logic_error);
}

TEST(MetricsRegistry, LabelValuesAreEscaped) {
  std::string out;
  append_escaped_label_value(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
}

TEST(MetricsRegistry, ConcurrentIncrementsAreCounted) {
  MetricRegistry r;
  auto& c = r.counter("demo_total", "h", {{"k", {"a", "b"}}});
  auto& h = r.histogram("demo_seconds", "h", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc({i % 2 ? "a" : "b"});
        h.observe(0.5);
      }
    });
  std::string text;
  for (int i = 0; i < 20; ++i) text = r.render();  // rendering while others write
  for (auto& t : threads) t.join();
  text = r.render();
  EXPECT_TRUE(has_line(text, "demo_total{k=\"a\"} 20000")) << text;
  EXPECT_TRUE(has_line(text, "demo_total{k=\"b\"} 20000")) << text;
  EXPECT_TRUE(has_line(text, "demo_seconds_count 40000")) << text;
  EXPECT_TRUE(has_line(text, "demo_seconds_sum 20000")) << text;
}

TEST(MetricsRegistry, CollectorsRunBeforeRender) {
  MetricRegistry r;
  auto& g = r.gauge("demo_backlog", "h");
  int calls = 0;
  r.add_collector([&] { g.set(++calls); });
  EXPECT_TRUE(has_line(r.render(), "demo_backlog 1"));
  EXPECT_TRUE(has_line(r.render(), "demo_backlog 2"));
  r.clear_collectors();
  EXPECT_TRUE(has_line(r.render(), "demo_backlog 2"));
}

MessageRecord bounce_record(const std::string& source, const std::string& recipient, const std::string& status_class,
                            const std::string& reason, bool hard) {
  MessageRecord rec;
  rec.source = source;
  rec.parsed = true;
  rec.report.kind = MessageKind::bounce;
  RecipientResult r;
  r.recipient = recipient;
  r.status_class = status_class;
  r.status = status_class == "transient" ? "4.2.2" : "5.1.1";
  r.status_subject = status_class == "transient" ? "mailbox" : "addressing";
  r.reason = reason;
  r.hard_bounce = hard;
  rec.report.recipients.push_back(r);
  return rec;
}

TEST(BounceMetrics, MessagesRecipientsAndDomainGroups) {
  MetricsConfig cfg;
  BounceMetrics m(cfg);
  m.message_committed(bounce_record("lmtp:abc", "someone@gmail.com", "permanent", "userunknown", true), false, false);
  m.message_committed(bounce_record("/var/lib/bounced/Maildir/cur/1:2,S", "x@example.org", "transient", "mailboxfull", false),
                      false, false);
  m.message_committed(bounce_record("lmtp:abc", "someone@gmail.com", "permanent", "userunknown", true), true, false);
  m.message_committed(bounce_record("lmtp:def", "a@b.example", "permanent", "a-reason-nobody-knows", false), false, false);
  MessageRecord q;
  q.source = "lmtp:q";
  m.message_committed(q, false, true);
  const auto text = m.registry.render();
  EXPECT_TRUE(has_line(text, "bounced_messages_total{source=\"lmtp\",outcome=\"parsed\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "bounced_messages_total{source=\"maildir\",outcome=\"parsed\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_messages_total{source=\"lmtp\",outcome=\"duplicate\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_messages_total{source=\"lmtp\",outcome=\"quarantined\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_messages_total{source=\"maildir\",outcome=\"not_bounce\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "bounced_recipients_total{status_class=\"permanent\",status_subject=\"addressing\","
                             "reason=\"userunknown\",bounce=\"hard\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "bounced_recipients_total{status_class=\"transient\",status_subject=\"mailbox\","
                             "reason=\"mailboxfull\",bounce=\"soft\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "bounced_recipients_total{status_class=\"permanent\",status_subject=\"addressing\","
                             "reason=\"other\",bounce=\"soft\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "bounced_domain_group_results_total{domain_group=\"google\",status_class=\"permanent\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "bounced_transient_failures_total{domain_group=\"other\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_transient_failures_total{domain_group=\"google\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "bounced_build_info{version=\"" BOUNCED_VERSION "\"} 1")) << text;
  // Never an address or a raw domain in a label.
  EXPECT_EQ(text.find('@'), std::string::npos);
  EXPECT_EQ(text.find("example"), std::string::npos);
}

TEST(BounceMetrics, LmtpRepliesByClass) {
  BounceMetrics m(MetricsConfig{});
  m.lmtp_replies_written("250-test.invalid\r\n250-PIPELINING\r\n250 SIZE 1000\r\n250 2.1.0 Ok\r\n452 4.5.3 Too many\r\n"
                         "354 go\r\n550 5.1.1 no\r\n");
  const auto text = m.registry.render();
  EXPECT_TRUE(has_line(text, "bounced_lmtp_replies_total{class=\"2xx\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "bounced_lmtp_replies_total{class=\"3xx\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_lmtp_replies_total{class=\"4xx\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_lmtp_replies_total{class=\"5xx\"} 1")) << text;
}

TEST(BounceMetrics, AlertsThroughTheMonitor) {
  MetricsConfig cfg;
  cfg.alert.threshold = 0.5;
  cfg.alert.min_volume = 3;
  BounceMetrics m(cfg);
  for (int i = 0; i < 3; ++i)
    m.message_committed(bounce_record("lmtp:x" + std::to_string(i), "u@outlook.com", "transient", "blocked", false),
                        false, false);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto t = m.evaluate_alerts(now);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(m.groups().name(t[0].group), "microsoft");
  const auto payload = m.alert_payload(t[0]);
  EXPECT_NE(payload.find("\"event\": \"alert\""), std::string::npos) << payload;
  EXPECT_NE(payload.find("\"domain_group\": \"microsoft\""), std::string::npos) << payload;
  EXPECT_NE(payload.find("\"transient\": 3, \"total\": 3"), std::string::npos) << payload;
  const auto text = m.registry.render();
  EXPECT_TRUE(has_line(text, "bounced_domain_group_alerting{domain_group=\"microsoft\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_domain_group_transient_share{domain_group=\"microsoft\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "bounced_transient_alerts_total{domain_group=\"microsoft\",event=\"alert\"} 1")) << text;
  // Long after, the window is empty: resolved.
  t = m.evaluate_alerts(now + 2 * 3600);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, FailureAlert::Kind::resolved);
  EXPECT_NE(m.alert_payload(t[0]).find("\"event\": \"resolved\""), std::string::npos);
}

TEST(MetricsHttp, MetricsPathAndOthers) {
  BounceMetrics m(MetricsConfig{});
  auto r = metrics_http_response("GET", "/metrics", m);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("bounced_build_info"), std::string::npos);
  EXPECT_EQ(metrics_http_response("GET", "/metrics?x=1", m).status, 200);
  EXPECT_EQ(metrics_http_response("GET", "/", m).status, 404);
  EXPECT_EQ(metrics_http_response("GET", "/metrics/x", m).status, 404);
  EXPECT_EQ(metrics_http_response("POST", "/metrics", m).status, 405);
}

}  // namespace
}  // namespace bounced
