// sink.hpp: where results go. The commit queue hands every new message to every sink in batches:
// prepare(), stage() each record, flush() makes the batch durable (or throws) while the dedup log
// is written (see CommitQueue::process), then committed() once both are durable, or rollback()
// when anything failed. A sink that cannot make its
// writes durable (log, metrics, ...) says so with durable() == false and must never throw from
// flush(); the LMTP 250 waits only for durable sinks. New sinks (SQLite, webhook, command,
// metrics) implement this interface and are built in make_sinks().
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "message_hash.hpp"
#include "record.hpp"

namespace bounced {

// One processed message, as every sink sees it.
struct MessageRecord {
  MessageHash hash;
  std::string source;           // "lmtp:<hash>" or the Maildir file's final path
  std::string envelope_from;    // LMTP MAIL FROM (often empty for bounces)
  // Where the bounce was delivered: the first LMTP RCPT, or a Maildir message's X-Original-To /
  // Delivered-To. A VERP address here names the subscriber (lib/attribution).
  std::string envelope_recipient;
  // Every RCPT of the LMTP transaction when there were several (each is attributed on its own).
  std::vector<std::string> envelope_recipients;
  // A Maildir message's X-Original-To / Delivered-To addresses when it has several: alternatives
  // for `envelope_recipient` (one delivery), re-picked with the configured VERP scheme.
  std::vector<std::string> envelope_candidates;
  // SHA-256 of the raw bytes (hex): the store's message identity, the same `bounced record` uses,
  // so one message arriving both ways is recorded once. Empty when no sink needed it when the
  // message was hashed (a reload that adds a SQLite sink: the store then uses `hash`).
  std::string content_sha256;
  bool parsed = false;          // false: unparseable, stored in the quarantine
  std::string error;            // why it could not be parsed
  std::string quarantine_path;  // set when quarantined
  MessageReport report;         // valid when parsed
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Stable identifier without spaces, used as the key of this sink's checkpoint in the dedup log.
  virtual std::string id() const = 0;
  virtual bool durable() const = 0;
  // Recovery at start. The sink's file and the dedup log are fsync'd in parallel, so after a crash
  // either may hold a batch the other lacks: has_reached() says whether everything up to
  // `checkpoint` is on disk (the dedup log's batch counts only then), recover() cuts anything
  // written after the chosen checkpoint ("" = none known).
  virtual bool has_reached(std::string_view /*checkpoint*/) const { return true; }
  virtual void recover(std::string_view /*checkpoint*/) {}
  // A sink whose every committed record names its message (MessageRecord::hash) and shows whether
  // that message's records are complete can tell, after a crash, which messages it holds: then the
  // dedup log need not be fsync'd with each batch (one fsync per batch instead of two).
  // recover_messages() replaces recover() for such a sink: it keeps every complete message written
  // after `checkpoint`, cuts anything after the last one, and returns the kept messages' hashes.
  virtual bool recovers_message_hashes() const { return false; }
  virtual std::vector<MessageHash> recover_messages(std::string_view checkpoint) {
    recover(checkpoint);
    return {};
  }
  // Position after everything staged so far, i.e. after this batch once flushed ("" if none).
  virtual std::string checkpoint() const { return {}; }
  // Before a batch is staged: reopen after an earlier failure (throws if still impossible).
  virtual void prepare() {}
  virtual void stage(const MessageRecord& record) = 0;
  virtual void flush() = 0;                     // write + fsync the staged records; throws on failure
  // flush() in two steps, for a sink whose flush is a write and an fdatasync: flush_write() writes
  // and starts the writeback, flush_sync() waits for it. The commit queue then makes every file of
  // a batch durable from one thread, their writebacks overlapping, instead of one thread per file.
  virtual bool can_split_flush() const { return false; }
  virtual void flush_write() { flush(); }
  virtual void flush_sync() {}
  virtual void committed() = 0;                 // the batch is durable everywhere
  virtual void rollback() = 0;                  // forget the staged records, undo partial writes
  virtual void reopen() {}                      // SIGHUP: reopen files (logrotate)
  // Whether stage() reads MessageRecord::content_sha256 (hashing every message costs ~1 us/KiB,
  // so it is computed only while some sink reads it).
  virtual bool needs_content_sha256() const { return false; }
};

std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<SinkConfig>& configs,
                                              const HygieneConfig& hygiene = HygieneConfig{});

}  // namespace bounced
