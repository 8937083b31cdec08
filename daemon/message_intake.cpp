// message_intake.cpp: see message_intake.hpp.
#include "message_intake.hpp"

#include <chrono>
#include <exception>

#include "bounce_metrics.hpp"

#include "digest.hpp"
#include "pipeline.hpp"

namespace bounced {

CommitRequest prepare_message(const HashKey& key, bool content_sha256, std::string_view raw, std::string source,
                              std::string envelope_from,
                              std::string envelope_recipient) {
  auto rec = std::make_shared<MessageRecord>();
  rec->hash = siphash128(key, raw);
  if (content_sha256) rec->content_sha256 = digest::sha256_hex(raw);
  rec->source = source.empty() ? "lmtp:" + rec->hash.hex() : std::move(source);
  rec->envelope_from = std::move(envelope_from);
  rec->envelope_recipient = std::move(envelope_recipient);
  const auto started = std::chrono::steady_clock::now();
  try {
    // parse_message runs the guard before anything else (parse_mime's pre-scan, the same check as
    // check_message) and stops with its error: whatever it rejects is quarantined, whatever the
    // later stages would make of it. (No separate check_message: that scanned every message twice.)
    ParseOutcome outcome = parse_message(raw);
    if (outcome.ok()) {
      rec->parsed = true;
      rec->report = std::move(outcome.report);
    } else {
      rec->error = to_string(outcome.error);
    }
  } catch (const std::exception& e) {  // the parser must not throw, but a message must never be lost
    rec->error = std::string("parser failure: ") + e.what();
  }
  if (auto* m = metrics())
    m->parse_time(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  CommitRequest req;
  if (!rec->parsed) req.quarantine_raw = std::make_shared<const std::string>(raw);
  req.record = std::move(rec);
  return req;
}

}  // namespace bounced
