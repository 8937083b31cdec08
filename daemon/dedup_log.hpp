// dedup_log.hpp: the durable memory of processed messages (idempotency) and the commit record of
// every batch. An append-only text file:
//   K <32 hex>                 the SipHash key (first line)
//   H <32 hex> <unix time>     a message processed in the batch that follows
//   C #<sum> [lazy] <sink id>=<checkpoint>..  the batch is committed; each durable sink's
//                              position after it; <sum> is a checksum of the batch's H lines
// H lines count only once a C line with a matching checksum follows them (a crash mid-batch, or a
// torn write, leaves them uncommitted; C lines without a sum, from older versions, are trusted).
// At start the last C line whose checkpoints every sink has reached, with no bad batch before it,
// is the last committed batch (settle()): later batches are forgotten and the sinks recovered to
// it. The commit queue either fsyncs this file with every batch, or, when every durable sink's
// records name their messages (Sink::recovers_message_hashes), writes it after the sinks are
// durable and fsyncs it only now and then (sync()): after a crash the messages of the sinks' tails
// are remembered again from the sinks themselves (remember()). Entries older than the
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
  // The queue's lazy mode: this file is written after the sinks are durable and fsync'd only now
  // and then (sync()); its C lines say so ("lazy"), so that recovery knows how the tail after the
  // last committed batch was written (tail_is_lazy()).
  void set_lazy(bool on) { lazy_ = on; }
  // After settle(): whether the last committed batch was written in lazy mode (the sinks' tails
  // after it then hold acknowledged messages to be kept: Sink::recover_messages).
  bool tail_is_lazy() const { return tail_is_lazy_; }
  void append_sync();
  void confirm();
  // Remembers `hashes` (recovered from a sink at start) as processed now; compact() writes them.
  void remember(const std::vector<MessageHash>& hashes);
  // fsync now (the queue's lazy mode: now and then, and before it stops); bytes appended since.
  void sync();
  unsigned long long unsynced_bytes() const { return size_ - synced_size_; }
  void undo();
  // Rewrites the file with live entries only and `checkpoints`; also done by commit() as needed.
  void compact(const Checkpoints& checkpoints);

 private:
  struct Batch {
    std::vector<std::pair<std::int64_t, MessageHash>> entries;
    Checkpoints checkpoints;
    bool intact = true;  // the C line's checksum matches the H lines before it
    bool lazy = false;   // written in lazy mode
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
  unsigned long long synced_size_ = 0;  // bytes known to be on disk
  bool lazy_ = false;
  bool tail_is_lazy_ = false;
  unsigned long long live_bytes_ = 0; // bytes the live entries would take
};

}  // namespace bounced
