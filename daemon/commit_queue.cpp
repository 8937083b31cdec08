// commit_queue.cpp: see commit_queue.hpp.
#include "commit_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <unordered_map>

#include "bounce_metrics.hpp"

namespace bounced {

CommitQueue::Helpers::~Helpers() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void CommitQueue::Helpers::ensure(std::size_t threads) {
  while (threads_.size() < threads) threads_.emplace_back([this] { loop(); });
}

std::future<void> CommitQueue::Helpers::run(std::function<void()> task) {
  std::packaged_task<void()> t(std::move(task));
  auto done = t.get_future();
  {
    std::lock_guard lk(mu_);
    tasks_.push_back(std::move(t));
  }
  cv_.notify_one();
  return done;
}

void CommitQueue::Helpers::loop() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, nothing left
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lk.unlock();
    task();  // an exception is stored in the task's future
    lk.lock();
  }
}

CommitQueue::CommitQueue(const Config& config) {
  dedup_ = std::make_unique<DedupLog>(config.dedup);
  key_ = dedup_->key();
  sinks_ = make_sinks(config.sinks, config.hygiene);
  sink_configs_ = config.sinks;
  hygiene_ = config.hygiene;
  note_sink_needs();
  dedup_->settle([this](const DedupLog::Checkpoints& cps) {
    for (const auto& s : sinks_) {
      auto it = cps.find(s->id());
      if (it != cps.end() && !s->has_reached(it->second)) return false;
    }
    return true;
  });
  for (auto& s : sinks_) {
    auto it = dedup_->last_checkpoints().find(s->id());
    const std::string_view cp = it == dedup_->last_checkpoints().end() ? std::string_view() : std::string_view(it->second);
    // After a lazily written batch the sinks' tails hold acknowledged messages the dedup log may
    // have lost: keep them and remember them. Otherwise a tail belongs to a batch never acknowledged.
    if (dedup_->tail_is_lazy() && s->recovers_message_hashes()) dedup_->remember(s->recover_messages(cp));
    else s->recover(cp);
  }
  dedup_->compact(checkpoints());
  quarantine_ = std::make_unique<Quarantine>(config.quarantine);
}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::note_sink_needs() {
  needs_sha256_ = std::any_of(sinks_.begin(), sinks_.end(), [](const auto& s) { return s->needs_content_sha256(); });
  // Lazy mode: every durable sink can split its flush and recover its messages' hashes, and there
  // is one at least (otherwise the dedup log is the only durable file and is fsync'd each batch).
  const bool lazy =
      std::any_of(sinks_.begin(), sinks_.end(), [](const auto& s) { return s->durable(); }) &&
      std::all_of(sinks_.begin(), sinks_.end(), [](const auto& s) {
        return !s->durable() || (s->can_split_flush() && s->recovers_message_hashes());
      });
  if (!lazy && lazy_) sync_dedup();  // what lazy batches wrote is durable before the mode changes
  lazy_ = lazy;
  dedup_->set_lazy(lazy);
}

void CommitQueue::sync_dedup() {
  try {
    dedup_->sync();
  } catch (const std::exception& e) {
    // Not fatal: what it holds can be recovered from the sinks; the next append will tell.
    spdlog::error("dedup log: {}", e.what());
  }
  last_dedup_sync_ = std::chrono::steady_clock::now();
}

DedupLog::Checkpoints CommitQueue::checkpoints() const {
  DedupLog::Checkpoints cps;
  for (const auto& s : sinks_)
    if (s->durable()) cps[s->id()] = s->checkpoint();
  return cps;
}

void CommitQueue::start() {
  std::lock_guard lk(mu_);
  if (running_) return;
  running_ = true;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void CommitQueue::stop() {
  {
    std::lock_guard lk(mu_);
    if (!running_) return;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lk(mu_);
  running_ = false;
}

void CommitQueue::submit(CommitRequest request) {
  std::vector<CommitRequest> one;
  one.push_back(std::move(request));
  submit_batch(std::move(one));
}

void CommitQueue::submit_batch(std::vector<CommitRequest> requests) {
  if (requests.empty()) return;
  {
    std::lock_guard lk(mu_);
    if (running_ && !stop_) {
      if (queue_.empty()) queue_.swap(requests);
      else std::move(requests.begin(), requests.end(), std::back_inserter(queue_));
      cv_.notify_one();
      return;
    }
  }
  // Stopped (the end of a shutdown): nothing would ever complete them.
  for (auto& r : requests)
    if (r.done) r.done({false, false, "shutting down"});
}

void CommitQueue::reopen() {
  {
    std::lock_guard lk(mu_);
    reopen_ = true;
  }
  cv_.notify_one();
}

void CommitQueue::replace_sinks(std::vector<SinkConfig> configs) {
  {
    std::lock_guard lk(mu_);
    new_sinks_ = std::move(configs);
  }
  cv_.notify_one();
}

namespace {
bool same_sink(const SinkConfig& a, const SinkConfig& b) {
  return a.type == b.type && a.path == b.path && a.fsync == b.fsync;
}
}  // namespace

// On the writer thread, between batches.
void CommitQueue::apply_sink_configs(const std::vector<SinkConfig>& configs) {
  std::vector<std::unique_ptr<Sink>> next;
  std::vector<bool> kept(sinks_.size(), false);
  try {
    for (const auto& c : configs) {
      std::size_t i = 0;
      while (i < sinks_.size() && (kept[i] || i >= sink_configs_.size() || !same_sink(sink_configs_[i], c))) ++i;
      if (i < sinks_.size()) {
        kept[i] = true;
        next.push_back(nullptr);  // filled below, once nothing can fail any more
        continue;
      }
      auto made = make_sinks({c}, hygiene_);
      for (auto& s : made) {
        auto it = dedup_->last_checkpoints().find(s->id());
        s->recover(it == dedup_->last_checkpoints().end() ? std::string_view() : std::string_view(it->second));
        spdlog::info("reload: sink {} added", s->id());
      }
      if (made.size() != 1) throw std::runtime_error("sink type '" + c.type + "' cannot be built here");
      next.push_back(std::move(made.front()));
    }
  } catch (const std::exception& e) {
    spdlog::error("reload: sinks not changed: {}", e.what());
    return;
  }
  // Move the kept sinks over, in the new order.
  std::vector<bool> taken(sinks_.size(), false);
  for (std::size_t k = 0; k < configs.size(); ++k) {
    if (next[k]) continue;
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      if (kept[i] && !taken[i] && same_sink(sink_configs_[i], configs[k])) {
        taken[i] = true;
        next[k] = std::move(sinks_[i]);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < sinks_.size(); ++i)
    if (sinks_[i]) spdlog::info("reload: sink {} removed", sinks_[i]->id());
  sinks_ = std::move(next);
  sink_configs_ = configs;
  note_sink_needs();
}

// On the writer thread, between batches: reopen every sink's files (logrotate) and record their
// new positions in the dedup log.
void CommitQueue::reopen_sinks() {
  for (auto& s : sinks_) {
    try {
      s->reopen();
    } catch (const std::exception& e) {
      spdlog::error("sink {}: reopen failed: {} (results get 451 until it works)", s->id(), e.what());
    }
  }
  try {
    dedup_->append({}, checkpoints());
    dedup_->confirm();
  } catch (const std::exception& e) {
    spdlog::error("dedup log: {}", e.what());
  }
}

bool CommitQueue::healthy(std::chrono::steady_clock::duration limit) const {
  const auto started = batch_started_.load();
  if (started == 0) return true;
  return std::chrono::steady_clock::now().time_since_epoch().count() - started < limit.count();
}

void CommitQueue::run() {
  std::vector<CommitRequest> batch;
  std::unique_lock lk(mu_);
  for (;;) {
    auto ready = [&] { return !queue_.empty() || stop_ || reopen_ || new_sinks_; };
    if (lazy_ && dedup_->unsynced_bytes() > 0) {
      // Lazy mode: the dedup log is fsync'd when it has grown enough, or a moment after the last
      // batch, so that the sinks' tails to read back after a crash stay short.
      const auto due = last_dedup_sync_ + kLazyDedupSyncInterval;
      if (dedup_->unsynced_bytes() >= kLazyDedupSyncBytes || !cv_.wait_until(lk, due, ready)) {
        lk.unlock();
        sync_dedup();
        lk.lock();
        continue;
      }
    } else {
      cv_.wait(lk, ready);
    }
    if (reopen_ || new_sinks_) {
      const bool reopen = reopen_;
      auto configs = std::move(new_sinks_);
      reopen_ = false;
      new_sinks_.reset();
      lk.unlock();
      if (configs) apply_sink_configs(*configs);
      if (reopen || configs) reopen_sinks();
      lk.lock();
      continue;
    }
    if (queue_.empty()) {
      if (stop_) {
        lk.unlock();
        sync_dedup();
        break;
      }
      continue;
    }
    batch.swap(queue_);
    lk.unlock();
    batch_started_ = std::chrono::steady_clock::now().time_since_epoch().count();
    process(batch);
    batch_started_ = 0;
    batch.clear();
    lk.lock();
  }
}

void CommitQueue::process(std::vector<CommitRequest>& batch) {
  const std::size_t n = batch.size();
  std::vector<CommitResult> results(n);
  std::vector<std::size_t> fresh;                   // first occurrence of a new message
  std::vector<std::size_t> same_as(n, SIZE_MAX);    // a later copy in this batch -> its first index
  std::unordered_map<MessageHash, std::size_t, MessageHashHasher> in_batch;
  bool quarantined = false;

  for (std::size_t i = 0; i < n; ++i) {
    auto& req = batch[i];
    auto& rec = *req.record;
    if (req.quarantine_raw) {
      try {
        rec.quarantine_path = quarantine_->store(rec.hash, *req.quarantine_raw);
        quarantined = true;
      } catch (const std::exception& e) {
        results[i] = {false, false, e.what()};
        spdlog::error("quarantine: {}", e.what());
        if (auto* m = metrics()) m->sink_error("quarantine");
        continue;
      }
    }
    if (dedup_->contains(rec.hash)) {
      results[i] = {true, true, {}};
      continue;
    }
    auto [it, inserted] = in_batch.emplace(rec.hash, i);
    if (!inserted) {
      same_as[i] = it->second;
      continue;
    }
    fresh.push_back(i);
  }

  if (quarantined) {
    try {
      quarantine_->sync_dir();
    } catch (const std::exception& e) {
      spdlog::error("quarantine: {}", e.what());
      if (auto* m = metrics()) m->sink_error("quarantine");
      for (std::size_t i = 0; i < n; ++i)
        if (batch[i].quarantine_raw) results[i] = {false, false, e.what()};
      std::erase_if(fresh, [&](std::size_t i) { return batch[i].quarantine_raw != nullptr; });
    }
  }

  if (!fresh.empty()) {
    std::vector<MessageHash> hashes;
    hashes.reserve(fresh.size());
    bool appended = false;
    const auto commit_started = std::chrono::steady_clock::now();
    Sink* current = nullptr;  // the sink being called, to name the one that failed
    try {
      for (auto& s : sinks_) (current = s.get())->prepare();
      for (std::size_t i : fresh) {
        for (auto& s : sinks_) (current = s.get())->stage(*batch[i].record);
        hashes.push_back(batch[i].record->hash);
      }
      // The dedup log and the sinks go to the disk in parallel (their writebacks overlap):
      // recovery accepts a batch only when both hold it (DedupLog::settle).
      const auto cps = checkpoints();
      const bool split = std::all_of(sinks_.begin(), sinks_.end(),
                                     [](const auto& s) { return !s->durable() || s->can_split_flush(); });
      if (split) {
        // One thread: every file written and its writeback started, then each waited for.
        // (As fast as a thread per file here, without the hand-offs.)
        for (auto& s : sinks_) (current = s.get())->flush_write();
        current = nullptr;
        if (!lazy_) {
          dedup_->append_write(hashes, cps);
          appended = true;
        }
        for (auto& s : sinks_)
          if (s->durable()) (current = s.get())->flush_sync();
        current = nullptr;
        if (lazy_) {
          // Only after the sinks are durable: a C line that reaches the disk never names a batch
          // the sinks lack. Its own fsync comes later (run()); until then the sinks' records are
          // what remembers these messages (Sink::recover_messages).
          dedup_->append_write(hashes, cps);
          appended = true;
        } else {
          dedup_->append_sync();
        }
      } else {
        std::size_t durable = 0;
        for (auto& s : sinks_) durable += s->durable() ? 1 : 0;
        helpers_.ensure(std::max<std::size_t>(durable, 1));  // the dedup log + every durable sink but one
        auto dedup_done = helpers_.run([&] { dedup_->append(hashes, cps); });
        std::exception_ptr sink_error;
        // Durable sinks flush in parallel too (a JSONL fsync and a SQLite commit cost one wait, not
        // two): every durable sink but the last on a helper thread, the rest on this one.
        std::vector<std::pair<Sink*, std::future<void>>> flushing;
        Sink* inline_durable = nullptr;
        for (auto& s : sinks_)
          if (s->durable()) inline_durable = s.get();
        for (auto& s : sinks_)
          if (s->durable() && s.get() != inline_durable)
            flushing.emplace_back(s.get(), helpers_.run([p = s.get()] { p->flush(); }));
        try {
          for (auto& s : sinks_)
            if (!s->durable() || s.get() == inline_durable) (current = s.get())->flush();
          current = nullptr;
        } catch (...) {
          sink_error = std::current_exception();
        }
        for (auto& [sink, done] : flushing) {
          try {
            done.get();
          } catch (...) {
            if (!sink_error) {
              sink_error = std::current_exception();
              current = sink;
            }
          }
        }
        try {
          dedup_done.get();
          appended = true;
        } catch (...) {
          if (!sink_error) sink_error = std::current_exception();
        }
        if (sink_error) std::rethrow_exception(sink_error);
      }
      dedup_->confirm();
      for (auto& s : sinks_) s->committed();
      for (std::size_t i : fresh) results[i] = {true, false, {}};
      stats_.messages += fresh.size();
      if (auto* m = metrics())
        m->commit_time(std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count());
    } catch (const std::exception& e) {
      if (auto* m = metrics()) {
        const std::string id = current ? current->id() : std::string("dedup");
        m->sink_error(std::string_view(id).substr(0, id.find(':')));
      }
      if (appended) dedup_->undo();
      for (auto& s : sinks_) s->rollback();
      spdlog::error("commit of {} messages failed: {}", fresh.size(), e.what());
      for (std::size_t i : fresh) results[i] = {false, false, e.what()};
      stats_.failures += fresh.size();
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (same_as[i] != SIZE_MAX) {
      results[i] = results[same_as[i]];
      if (results[i].ok) results[i].duplicate = true;
    }
    if (results[i].duplicate) ++stats_.duplicates;
    if (batch[i].quarantine_raw && results[i].ok) ++stats_.quarantined;
    if (auto* m = metrics(); m && results[i].ok)
      m->message_committed(*batch[i].record, results[i].duplicate, batch[i].quarantine_raw != nullptr);
  }
  ++stats_.batches;
  for (std::size_t i = 0; i < n; ++i)
    if (batch[i].done) batch[i].done(results[i]);
}

}  // namespace bounced
