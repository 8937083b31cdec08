// outbox_worker.hpp: the outbox delivery loop of `bounced serve`. An Asio coroutine on its own
// thread and io_context (a webhook that hangs or a slow command never delays an LMTP reply) with
// its own connection to the store: every `poll` interval, and at once when woken (a batch queued
// suppressions, an alert was enqueued), it delivers the due outbox rows to the configured actions
// (outbox_delivery.hpp). Failures are retried with exponential backoff; attempts and the next
// attempt time are stored in the outbox row, so a restart or a receiver down for hours loses nothing.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config.hpp"
#include "outbox_delivery.hpp"
#include "store.hpp"

namespace bounced {

class OutboxWorker {
 public:
  OutboxWorker(std::filesystem::path store_path, const HygieneConfig& hygiene);
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  void start();  // opens the store (throws StoreError) and starts the thread
  void stop();   // finishes the delivery in progress, then joins
  void wake();   // thread-safe: look at the outbox now

  // Thread-safe. Queues one event (e.g. "alert" / "resolved"; `payload` one JSON object) for every
  // action that receives it, and wakes the loop. Returns the rows queued (0: no action wants it).
  // Throws StoreError (call after start()).
  std::size_t enqueue_event(std::string_view event, std::string_view payload);

  struct Stats {
    std::atomic<std::uint64_t> delivered{0}, retried{0}, errors{0};
  };
  const Stats& stats() const { return stats_; }
  // Pending / done rows (thread-safe; 0/0 before start()).
  OutboxCounts counts();

 private:
  struct Loop;
  std::filesystem::path path_;
  std::vector<OutboxTarget> targets_;
  std::map<std::string, ActionTarget, std::less<>> actions_;
  OutboxConfig config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  Stats stats_;
};

}  // namespace bounced
