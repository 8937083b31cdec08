// commit_queue.hpp: group commit. Sessions and Maildir watchers submit processed messages; one
// writer thread takes everything pending, drops duplicates (dedup log), stores quarantined
// messages, stages the rest in every sink, flushes (fsync) each sink once, appends the batch to
// the dedup log (fsync'd with the batch, or in lazy mode after it and only now and then), and only
// then completes each request. While it is busy with one batch the
// next one accumulates, so the number of fsyncs stays flat under load. A failure fails the whole
// batch (the sinks roll back): the caller answers 451 and the MTA retries.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "dedup_log.hpp"
#include "quarantine.hpp"
#include "sink.hpp"

namespace bounced {

struct CommitResult {
  bool ok = false;         // durable (or a duplicate of something durable)
  bool duplicate = false;  // already recorded earlier; nothing written
  std::string error;       // when !ok
};

struct CommitRequest {
  std::shared_ptr<MessageRecord> record;
  std::shared_ptr<const std::string> quarantine_raw;  // set: store these bytes in the quarantine
  std::function<void(const CommitResult&)> done;      // called on the writer thread: post it onward
};

class CommitQueue {
 public:
  // Opens the dedup log, the sinks and the quarantine, recovers them after a crash. Throws.
  explicit CommitQueue(const Config& config);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  const HashKey& hash_key() const { return key_; }
  // Whether a sink reads MessageRecord::content_sha256 (prepare_message computes it only then).
  bool needs_content_sha256() const { return needs_sha256_; }
  void start();
  void stop();  // completes everything already submitted, then joins the thread
  void submit(CommitRequest request);  // after stop(): fails at once ("shutting down")
  void submit_batch(std::vector<CommitRequest> requests);  // the same, one lock and one wake-up
  void reopen();  // SIGHUP: reopen sink files before the next batch
  // SIGHUP with a changed sink list: before the next batch, sinks whose configuration is unchanged
  // are kept (and reopened), the others are built anew (a failure keeps the whole old set).
  void replace_sinks(std::vector<SinkConfig> configs);
  // For the systemd watchdog: false when one batch has been running longer than `limit`.
  bool healthy(std::chrono::steady_clock::duration limit) const;

  struct Stats {
    std::atomic<std::uint64_t> batches{0}, messages{0}, duplicates{0}, failures{0}, quarantined{0};
  };
  const Stats& stats() const { return stats_; }

 private:
  void run();
  void process(std::vector<CommitRequest>& batch);
  void reopen_sinks();
  void apply_sink_configs(const std::vector<SinkConfig>& configs);
  DedupLog::Checkpoints checkpoints() const;

  std::unique_ptr<DedupLog> dedup_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::vector<SinkConfig> sink_configs_;  // what each of sinks_ was built from
  HygieneConfig hygiene_;                 // for sinks built by a reload
  std::unique_ptr<Quarantine> quarantine_;
  HashKey key_{};
  std::atomic<bool> needs_sha256_{false};
  void note_sink_needs();
  // Lazy mode (see note_sink_needs): one fsync per batch, the sinks'; the dedup log's now and then.
  bool lazy_ = false;
  static constexpr std::chrono::milliseconds kLazyDedupSyncInterval{1000};
  static constexpr unsigned long long kLazyDedupSyncBytes = 256ull << 10;
  std::chrono::steady_clock::time_point last_dedup_sync_ = std::chrono::steady_clock::now();
  void sync_dedup();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<CommitRequest> queue_;
  bool stop_ = false, reopen_ = false, running_ = false;
  std::optional<std::vector<SinkConfig>> new_sinks_;  // replace_sinks() pending
  std::thread thread_;
  std::atomic<std::int64_t> batch_started_{0};  // steady_clock ticks; 0 when idle
  Stats stats_;

  // When a durable sink cannot split its flush (Sink::can_split_flush(): the SQLite store's
  // transaction), threads for the parts of a batch that go to the disk in parallel with the
  // writer's own flush (the dedup log's append + fsync, every durable sink's flush but one):
  // started once, as many as a batch has needed so far, rather than one new thread per batch.
  // Otherwise the writer makes every file durable itself (see process()).
  class Helpers {
   public:
    ~Helpers();
    void ensure(std::size_t threads);
    std::future<void> run(std::function<void()> task);

   private:
    void loop();
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::packaged_task<void()>> tasks_;
    bool stop_ = false;
    std::vector<std::thread> threads_;
  };
  Helpers helpers_;  // used by the writer thread only
};

}  // namespace bounced
