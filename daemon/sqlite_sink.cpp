// sqlite_sink.cpp: see sqlite_sink.hpp.
#include "sqlite_sink.hpp"

#include <ctime>
#include <utility>

namespace bounced {

std::string pick_envelope_recipient(const std::vector<std::string>& candidates, const AttributionConfig& config) {
  if (candidates.empty()) return "";
  if (config.verp)
    for (const auto& c : candidates)
      if (verp_decode(config.scheme, config.signing, c).status != VerpStatus::not_verp) return c;
  return candidates.front();
}

std::string SqliteSink::id() const {
  std::string id = "sqlite:" + options_.path.string();
  for (char& c : id)
    if (c == ' ' || c == '\t' || c == '\n') c = '_';  // the dedup log keys sinks by a space-free id
  return id;
}

SqliteSink::SqliteSink(SqliteSinkOptions options) : options_(std::move(options)) {
  SqliteOptions o;
  o.synchronous_full = options_.fsync;
  store_ = open_sqlite_store(options_.path, o);
}

void SqliteSink::flush() {
  std::vector<IncomingMessage> batch;
  batch.reserve(staged_.size());
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (const MessageRecord* r : staged_) {
    if (!r->parsed) continue;  // quarantined: nothing to attribute
    IncomingMessage m;
    m.content_hash = r->hash.hex();
    m.source = r->source;
    m.received_at = now;
    m.envelope_recipient = r->envelope_recipient;
    m.report = &r->report;
    auto a = attribute(r->report, m.envelope_recipient, options_.attribution);
    m.list = std::move(a.list);
    m.attribution = std::move(a.recipients);
    batch.push_back(std::move(m));
  }
  if (batch.empty()) return;
  RecordOptions ro;
  ro.policy = &options_.policy;
  ro.outbox_targets = options_.outbox_targets;
  store_->record_batch(batch, ro);  // throws StoreError: the batch fails, the MTA gets 451
}

}  // namespace bounced
