// bounce_metrics.cpp: see bounce_metrics.hpp. The label vocabularies are the tables below.
#include "bounce_metrics.hpp"

#include <atomic>
#include <ctime>

#include <fmt/format.h>

#include "json.hpp"
#include "policy.hpp"
#include "sink.hpp"

namespace bounced {
namespace {

std::atomic<BounceMetrics*> g_metrics{nullptr};

// RFC 3463 subject names (lib/status_codes) -> label values.
struct SubjectLabel {
  std::string_view subject, label;
};
constexpr SubjectLabel kSubjects[] = {
    {"other or undefined", "undefined"},   {"addressing", "addressing"},
    {"mailbox", "mailbox"},                {"mail system", "mail_system"},
    {"network and routing", "network"},    {"mail delivery protocol", "protocol"},
    {"message content or media", "content"}, {"security or policy", "security"},
};

std::vector<std::string> subject_labels() {
  std::vector<std::string> v;
  for (const auto& s : kSubjects) v.emplace_back(s.label);
  v.emplace_back("unknown");
  return v;
}

std::string_view subject_label(std::string_view subject) {
  if (subject.empty()) return "unknown";
  for (const auto& s : kSubjects)
    if (s.subject == subject) return s.label;
  return "other";
}

std::string_view class_label(std::string_view status_class) { return status_class.empty() ? "unknown" : status_class; }

std::vector<std::string> reason_labels() {
  std::vector<std::string> v;
  for (auto r : known_reasons()) v.emplace_back(r);
  return v;
}

const std::vector<std::string> kClasses = {"success", "transient", "permanent", "unknown"};

// Time units of the histograms: parse times are sub-millisecond to a few ms; a commit is an fsync.
const std::vector<double> kParseBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
const std::vector<double> kCommitBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

std::string iso_utc(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

BounceMetrics* metrics() { return g_metrics.load(std::memory_order_acquire); }
void set_metrics(BounceMetrics* m) { g_metrics.store(m, std::memory_order_release); }

BounceMetrics::BounceMetrics(const MetricsConfig& config)
    : groups_(config.domain_groups),
      alerts_enabled_(config.alerts),
      alert_config_(config.alert),
      messages(registry.counter("bounced_messages_total",
                                "Messages processed, by how they arrived and what they turned out to be.",
                                {{"source", {"lmtp", "maildir"}},
                                 {"outcome", {"parsed", "not_bounce", "quarantined", "duplicate"}}})),
      recipients(registry.counter(
          "bounced_recipients_total",
          "Recipient results of new messages, by RFC 3463 status class and subject, Sisimai reason and hard/soft.",
          {{"status_class", kClasses}, {"status_subject", subject_labels()}, {"reason", reason_labels()},
           {"bounce", {"hard", "soft"}}})),
      group_results(registry.counter("bounced_domain_group_results_total",
                                     "Recipient results by receiving-domain group and status class.",
                                     {{"domain_group", groups_.names()}, {"status_class", kClasses}})),
      transient_failures(registry.counter("bounced_transient_failures_total",
                                          "Transient (4.x.x) recipient failures by receiving-domain group.",
                                          {{"domain_group", groups_.names()}})),
      lmtp_connections(registry.counter("bounced_lmtp_connections_total", "LMTP connections accepted.")),
      lmtp_open(registry.gauge("bounced_lmtp_open_connections", "LMTP connections open now.")),
      lmtp_transactions(registry.counter("bounced_lmtp_transactions_total",
                                         "LMTP transactions (one message each) by how the commit ended.",
                                         {{"result", {"stored", "failed", "timed_out"}}})),
      lmtp_replies(registry.counter("bounced_lmtp_replies_total", "LMTP replies sent, by reply code class.",
                                    {{"class", {"2xx", "3xx", "4xx", "5xx"}}})),
      sink_errors(registry.counter("bounced_sink_errors_total",
                                   "Failed writes (the batch got 451 and is retried), by sink type.",
                                   {{"sink", {"jsonl", "log", "sqlite", "dedup", "quarantine"}}})),
      suppressions(registry.counter("bounced_suppressions_total", "Suppressions created (store), by kind.",
                                    {{"kind", {"hard", "soft", "complaint", "manual"}}})),
      suppression_lifts(registry.counter("bounced_suppression_lifts_total", "Suppressions lifted (store).")),
      suppressions_active(registry.gauge("bounced_suppressions_active", "Active suppressions (store), by kind.",
                                         {{"kind", {"hard", "soft", "complaint", "manual"}}})),
      outbox_backlog(registry.gauge("bounced_outbox_backlog", "Outbox events not yet delivered (store).")),
      maildir_backlog(registry.gauge("bounced_maildir_backlog", "Maildir messages seen but not yet recorded.")),
      processing_seconds(registry.histogram("bounced_processing_duration_seconds",
                                            "Time to parse and classify one message.", kParseBuckets)),
      commit_seconds(registry.histogram("bounced_commit_duration_seconds",
                                        "Time of one group commit (write and fsync every sink and the dedup log).",
                                        kCommitBuckets)),
      build_info(registry.gauge("bounced_build_info", "Always 1; the version of the running bounced.",
                                {{"version", {BOUNCED_VERSION}}})),
      start_time(registry.gauge("bounced_start_time_seconds", "When the daemon started, in unix seconds.")),
      group_share(registry.gauge("bounced_domain_group_transient_share",
                                 "Share of transient failures over the alert window, by receiving-domain group.",
                                 {{"domain_group", groups_.names()}})),
      group_alerting(registry.gauge("bounced_domain_group_alerting",
                                    "1 while a transient-failure alert is raised for the group.", {{"domain_group", groups_.names()}})),
      alerts(registry.counter("bounced_transient_alerts_total", "Transient-failure alerts raised and resolved.",
                              {{"domain_group", groups_.names()}, {"event", {"alert", "resolved"}}})),
      monitor_(config.alert, groups_.names().size()) {
  // The series a dashboard expects exist from the start, at zero.
  for (auto source : {"lmtp", "maildir"})
    for (auto outcome : {"parsed", "not_bounce", "quarantined", "duplicate"}) messages.touch(messages.index({source, outcome}));
  for (auto c : {"2xx", "4xx", "5xx"}) lmtp_replies.touch(lmtp_replies.index({c}));
  for (auto r : {"stored", "failed", "timed_out"}) lmtp_transactions.touch(lmtp_transactions.index({r}));
  for (auto s : {"jsonl", "log", "sqlite", "dedup", "quarantine"}) sink_errors.touch(sink_errors.index({s}));
  for (const auto& g : groups_.names()) {
    transient_failures.touch(transient_failures.index({g}));
    group_alerting.set(group_alerting.index({g}), 0);
  }
  lmtp_connections.touch(0);
  lmtp_open.set(0);
  maildir_backlog.set(0);
  processing_seconds.touch(0);
  commit_seconds.touch(0);
  build_info.set(0, 1);
  start_time.set(static_cast<double>(std::time(nullptr)));
}

BounceMetrics::Source BounceMetrics::source_of(const MessageRecord& record) {
  // LMTP records are named "lmtp:<hash>"; a Maildir record is named by its file.
  return record.source.rfind("lmtp:", 0) == 0 ? Source::lmtp : Source::maildir;
}

void BounceMetrics::message_committed(const MessageRecord& record, bool duplicate, bool quarantined) {
  const std::string_view source = source_of(record) == Source::lmtp ? "lmtp" : "maildir";
  std::string_view outcome = "parsed";
  if (duplicate) outcome = "duplicate";
  else if (quarantined || !record.parsed) outcome = "quarantined";
  else if (record.report.kind == MessageKind::not_bounce) outcome = "not_bounce";
  messages.inc({source, outcome});
  if (duplicate || !record.parsed) return;
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (const auto& r : record.report.recipients) {
    recipients.inc({class_label(r.status_class), subject_label(r.status_subject), r.reason.empty() ? "undefined" : r.reason,
                    r.hard_bounce ? "hard" : "soft"});
    if (record.report.kind == MessageKind::bounce || record.report.kind == MessageKind::delivered)
      observe_recipient(r, now);
  }
}

void BounceMetrics::observe_recipient(const RecipientResult& r, std::int64_t now) {
  std::string_view domain = address_domain(r.recipient);
  if (domain.empty()) domain = address_domain(r.original_recipient);
  const std::size_t g = groups_.classify(domain, r.remote_mta);
  const std::string_view group = groups_.name(g);
  const bool transient = r.status_class == "transient";
  group_results.inc({group, class_label(r.status_class)});
  if (transient) transient_failures.inc({group});
  std::lock_guard lk(monitor_mu_);
  monitor_.observe(g, transient, now);
}

std::vector<FailureAlert> BounceMetrics::evaluate_alerts(std::int64_t now) {
  std::vector<FailureAlert> out;
  std::lock_guard lk(monitor_mu_);
  const auto& names = groups_.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto w = monitor_.window(i, now);
    if (w.total == 0 && group_share.value(group_share.index({names[i]})) == 0) continue;
    group_share.set(group_share.index({names[i]}),
                    w.total ? static_cast<double>(w.transient) / static_cast<double>(w.total) : 0.0);
  }
  if (!alerts_enabled_) return out;
  out = monitor_.evaluate(now);
  for (const auto& a : out) {
    group_alerting.set(group_alerting.index({names[a.group]}), a.kind == FailureAlert::Kind::alert ? 1 : 0);
    alerts.inc({names[a.group], to_string(a.kind)});
  }
  return out;
}

std::string BounceMetrics::alert_payload(const FailureAlert& a) const {
  std::string p = "{\"event\": \"";
  p += to_string(a.kind);
  p += "\", \"domain_group\": ";
  append_json_string(p, groups_.name(a.group));
  p += fmt::format(", \"transient\": {}, \"total\": {}, \"share\": {:.4f}, \"threshold\": {}, \"window_seconds\": {}"
                   ", \"min_volume\": {}, \"at\": \"{}\"",
                   a.transient, a.total, a.share, alert_config_.threshold, alert_config_.window_seconds,
                   alert_config_.min_volume, iso_utc(a.time));
  if (a.kind == FailureAlert::Kind::resolved) p += ", \"since\": \"" + iso_utc(a.since) + "\"";
  p += "}";
  return p;
}

void BounceMetrics::lmtp_replies_written(std::string_view bytes) {
  // Lines are "NNN text\r\n" (last line of a reply) or "NNN-text\r\n" (continuation).
  std::size_t counts[4] = {0, 0, 0, 0};
  while (bytes.size() >= 4) {
    const char c = bytes[0];
    if (bytes[3] == ' ' && c >= '2' && c <= '5') ++counts[c - '2'];
    const auto eol = bytes.find('\n');
    if (eol == std::string_view::npos) break;
    bytes.remove_prefix(eol + 1);
  }
  static constexpr std::string_view kNames[] = {"2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < 4; ++i)
    if (counts[i]) lmtp_replies.inc({kNames[i]}, counts[i]);
}

void BounceMetrics::lmtp_transaction(Transaction result) {
  static constexpr std::string_view kNames[] = {"stored", "failed", "timed_out"};
  lmtp_transactions.inc({kNames[static_cast<int>(result)]});
}

}  // namespace bounced
