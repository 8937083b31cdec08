// log_sink.cpp: see log_sink.hpp. Also builds the configured sinks (make_sinks).
#include "log_sink.hpp"

#include <spdlog/spdlog.h>

#include "jsonl_sink.hpp"
#include "sqlite_sink.hpp"

namespace bounced {

void LogSink::committed() {
  for (const MessageRecord* r : staged_) {
    if (!r->parsed) {
      spdlog::warn("quarantined {} ({}): {}", r->source, r->error, r->quarantine_path);
      continue;
    }
    if (r->report.recipients.empty()) {
      spdlog::info("{}: {} without recipients", r->source, to_string(r->report.kind));
      continue;
    }
    for (const auto& rc : r->report.recipients)
      spdlog::info("{} {} status={} reason={} {} scanner={} source={}", to_string(r->report.kind), rc.recipient,
                   rc.status.empty() ? "-" : rc.status, rc.reason.empty() ? "-" : rc.reason,
                   rc.hard_bounce ? "hard" : "soft", r->report.scanner, r->source);
  }
  staged_.clear();
}

std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<SinkConfig>& configs, const HygieneConfig& hygiene) {
  std::vector<std::unique_ptr<Sink>> out;
  for (const auto& c : configs) {
    if (c.type == "jsonl") out.push_back(std::make_unique<JsonlSink>(c.path, c.fsync));
    else if (c.type == "log") out.push_back(std::make_unique<LogSink>());
    else if (c.type == "sqlite")
      out.push_back(std::make_unique<SqliteSink>(
          SqliteSinkOptions{c.path, c.fsync, hygiene.attribution, hygiene.policy, hygiene.outbox_targets(),
                            hygiene.outbox_wakeup}));
  }
  return out;
}

}  // namespace bounced
