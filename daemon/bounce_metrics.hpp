// bounce_metrics.hpp: bounced's own metrics (every one listed in docs/metrics.md) and the
// transient-failure monitor behind the alerts. `bounced serve` builds one BounceMetrics from the
// config and installs it with set_metrics(); the LMTP server, the Maildir watchers and the commit
// queue report through metrics(), which is null outside the daemon (commands, unit tests), so
// they pay nothing there. Label values come from fixed vocabularies: recipient domains become a
// configured provider group or "other", never the domain itself.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "failure_monitor.hpp"
#include "metrics.hpp"
#include "record.hpp"

namespace bounced {

struct MessageRecord;

class BounceMetrics {
  // First: the families below are built from them (members initialise in this order).
  DomainGroups groups_;
  bool alerts_enabled_;
  FailureMonitorConfig alert_config_;

 public:
  explicit BounceMetrics(const MetricsConfig& config);

  MetricRegistry registry;

  // --- what the daemon reports ---
  enum class Source { lmtp, maildir };
  enum class Outcome { parsed, not_bounce, quarantined, duplicate };
  // One message the commit queue finished with (ok: durable or a duplicate). Fresh messages also
  // count their recipients and feed the transient-failure monitor.
  void message_committed(const MessageRecord& record, bool duplicate, bool quarantined);
  static Source source_of(const MessageRecord& record);
  void parse_time(double seconds) { processing_seconds.observe(seconds); }
  void commit_time(double seconds) { commit_seconds.observe(seconds); }
  void sink_error(std::string_view sink_type) { sink_errors.inc({sink_type}); }
  // Each complete reply line the LMTP server writes ("250 ...", "452 ..."; continuation lines skipped).
  void lmtp_replies_written(std::string_view bytes);
  enum class Transaction { stored, failed, timed_out };
  void lmtp_transaction(Transaction result);
  void maildir_backlog_add(double delta) { maildir_backlog.add(delta); }

  CounterFamily& messages;             // bounced_messages_total{source,outcome}
  CounterFamily& recipients;           // bounced_recipients_total{status_class,status_subject,reason,bounce}
  CounterFamily& group_results;        // bounced_domain_group_results_total{domain_group,status_class}
  CounterFamily& transient_failures;   // bounced_transient_failures_total{domain_group}
  CounterFamily& lmtp_connections;     // bounced_lmtp_connections_total
  GaugeFamily& lmtp_open;              // bounced_lmtp_open_connections
  CounterFamily& lmtp_transactions;    // bounced_lmtp_transactions_total{result}
  CounterFamily& lmtp_replies;         // bounced_lmtp_replies_total{class}
  CounterFamily& sink_errors;          // bounced_sink_errors_total{sink}
  CounterFamily& suppressions;         // bounced_suppressions_total{kind} (from the store)
  CounterFamily& suppression_lifts;    // bounced_suppression_lifts_total (from the store)
  GaugeFamily& suppressions_active;    // bounced_suppressions_active{kind} (from the store)
  GaugeFamily& outbox_backlog;         // bounced_outbox_backlog
  GaugeFamily& maildir_backlog;        // bounced_maildir_backlog
  HistogramFamily& processing_seconds; // bounced_processing_duration_seconds
  HistogramFamily& commit_seconds;     // bounced_commit_duration_seconds
  GaugeFamily& build_info;             // bounced_build_info{version} 1
  GaugeFamily& start_time;             // bounced_start_time_seconds
  GaugeFamily& group_share;            // bounced_domain_group_transient_share{domain_group}
  GaugeFamily& group_alerting;         // bounced_domain_group_alerting{domain_group}
  CounterFamily& alerts;               // bounced_transient_alerts_total{domain_group,event}

  // --- the transient-failure monitor (thread-safe) ---
  const DomainGroups& groups() const { return groups_; }
  // Slides the windows to `now`, refreshes the share/alerting gauges and returns the transitions.
  std::vector<FailureAlert> evaluate_alerts(std::int64_t now);
  bool alerts_enabled() const { return alerts_enabled_; }
  const FailureMonitorConfig& alert_config() const { return alert_config_; }
  // The JSON event an alert or resolution sends through the outbox.
  std::string alert_payload(const FailureAlert& a) const;

 private:
  void observe_recipient(const RecipientResult& r, std::int64_t now);

  std::mutex monitor_mu_;
  FailureMonitor monitor_;
};

// The daemon's instance (null when none is installed).
BounceMetrics* metrics();
void set_metrics(BounceMetrics* m);

}  // namespace bounced
