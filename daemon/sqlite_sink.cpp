// sqlite_sink.cpp: see sqlite_sink.hpp.
#include "sqlite_sink.hpp"

#include <charconv>
#include <ctime>
#include <utility>

namespace bounced {

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
  batches_ = store_->checkpoint(id());
}

bool SqliteSink::has_reached(std::string_view checkpoint) const {
  std::int64_t want = 0;
  const auto [p, ec] = std::from_chars(checkpoint.data(), checkpoint.data() + checkpoint.size(), want);
  if (checkpoint.empty() || ec != std::errc() || p != checkpoint.data() + checkpoint.size()) return true;
  return batches_ >= want;
}

std::string SqliteSink::checkpoint() const { return std::to_string(staged_.empty() ? batches_ : batches_ + 1); }

void SqliteSink::committed() {
  if (!staged_.empty()) ++batches_;
  staged_.clear();
  if (queued_ && options_.on_outbox) options_.on_outbox();
  queued_ = false;
}

void SqliteSink::flush() {
  std::vector<IncomingMessage> batch;
  batch.reserve(staged_.size());
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (const MessageRecord* r : staged_) {
    if (!r->parsed) continue;  // quarantined: nothing to attribute
    IncomingMessage m;
    m.content_hash = r->content_sha256.empty() ? r->hash.hex() : r->content_sha256;
    m.source = r->source;
    m.received_at = now;
    m.envelope_recipient = r->envelope_candidates.empty()
                               ? r->envelope_recipient
                               : pick_envelope_recipient(r->envelope_candidates, options_.attribution);
    m.report = &r->report;
    auto a = r->envelope_recipients.size() > 1 ? attribute_each(r->report, r->envelope_recipients, options_.attribution)
                                               : attribute(r->report, m.envelope_recipient, options_.attribution);
    m.list = std::move(a.list);
    m.attribution = std::move(a.recipients);
    batch.push_back(std::move(m));
  }
  if (staged_.empty()) return;
  RecordOptions ro;
  ro.policy = &options_.policy;
  ro.outbox_targets = options_.outbox_targets;
  ro.checkpoint_key = id();
  ro.checkpoint_value = batches_ + 1;
  queued_ = false;
  // Throws StoreError: the batch fails, the MTA gets 451.
  for (const auto& outcome : store_->record_batch(batch, ro))
    for (const auto& r : outcome.recipients)
      if (r.suppression_id != 0 && !ro.outbox_targets.empty()) queued_ = true;
}

}  // namespace bounced
