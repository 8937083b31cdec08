// dedup_log.hpp: the durable memory of processed messages (idempotency) and the commit record of
// every batch. An append-only text file:
//   K <32 hex>                 the SipHash key (first line)
//   H <32 hex> <unix time>     a message processed in the batch that follows
//   C <sink id>=<checkpoint>.. the batch is committed; each durable sink's position after it
// H lines count only once a C line follows them (a crash mid-batch leaves them uncommitted). The
// sinks and this file are fsync'd in parallel, so at start the last C line whose checkpoints every
// sink has reached is the last committed batch (settle()): later batches are forgotten and the
// sinks cut back to it. Entries older than the
// horizon, or beyond max_entries, are forgotten; the file is rewritten (compacted) at start and
// when it has grown to twice its live size. Used by the commit queue's thread only.
#pragma once
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "config.hpp"
#include "file_util.hpp"
#include "message_hash.hpp"

namespace bounced {

class DedupLog {
 public:
  using Checkpoints = std::map<std::string, std::string>;  // sink id -> checkpoint

  // Loads the file (nothing is remembered until settle()).
  explicit DedupLog(const DedupConfig& config);
  // Remembers the batches up to the last one whose checkpoints `reached` accepts; forgets the rest.
  void settle(const std::function<bool(const Checkpoints&)>& reached);

  const HashKey& key() const { return key_; }
  const Checkpoints& last_checkpoints() const { return checkpoints_; }
  bool contains(const MessageHash& h) const { return set_.count(h) != 0; }
  std::size_t size() const { return set_.size(); }

  // Appends H lines for `hashes` and a C line, then fsyncs. Throws on failure (and cuts any
  // partial write). The hashes are remembered only by confirm(); undo() takes the append back.
  void append(const std::vector<MessageHash>& hashes, const Checkpoints& checkpoints);
  // append() in two steps: append_write() writes and starts the writeback (its failure cuts the
  // partial write), append_sync() waits for it; after a failure of append_sync() call undo().
  void append_write(const std::vector<MessageHash>& hashes, const Checkpoints& checkpoints);
  void append_sync();
  void confirm();
  void undo();
  // Rewrites the file with live entries only and `checkpoints`; also done by commit() as needed.
  void compact(const Checkpoints& checkpoints);

 private:
  struct Batch {
    std::vector<std::pair<std::int64_t, MessageHash>> entries;
    Checkpoints checkpoints;
  };
  void expire(std::int64_t now);
  void open_for_append();

  DedupConfig config_;
  HashKey key_{};
  Checkpoints checkpoints_;
  std::unordered_set<MessageHash, MessageHashHasher> set_;
  std::deque<std::pair<std::int64_t, MessageHash>> order_;  // oldest first
  std::vector<Batch> loaded_;  // from the file, until settle()
  std::vector<MessageHash> appended_;  // the last append, until confirm()/undo()
  std::int64_t appended_time_ = 0;
  Checkpoints pending_checkpoints_;
  unsigned long long size_before_append_ = 0;
  UniqueFd fd_;
  unsigned long long size_ = 0;       // bytes in the file
  unsigned long long live_bytes_ = 0; // bytes the live entries would take
};

}  // namespace bounced
