// maildir_watcher.hpp: watches one Maildir's new/ with inotify (IN_MOVED_TO for the tmp/ -> new/
// rename and plain moves, IN_CLOSE_WRITE for files written in place, IN_CREATE for link(2)
// deliveries), after a full scan at start and again every minute as a safety net. Each message is
// parsed and committed (the dedup log makes a second pass over the same file record nothing), and
// only then moved to cur/ with the S flag, into another Maildir, or deleted; unparseable mail is
// copied to the quarantine first and then removed from new/. A crash at any point leaves the file
// in new/ to be handled again.
// A file is read only once it is complete: announced by an event that says so (a rename or link
// into new/, or the writer's close) and named the Maildir way, or else untouched (ctime) for
// kSettle; nobody may have it open for writing (a read lease can be taken); and its size and ctime
// must not change while it is read. Otherwise it is deferred and looked at again every kSettle,
// so a writer that does not follow the Maildir protocol is never read half-way.
#pragma once
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <sys/stat.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "asio.hpp"
#include "commit_queue.hpp"
#include "config.hpp"
#include "file_util.hpp"
#include "worker_pool.hpp"

namespace bounced {

class MaildirWatcher {
 public:
  MaildirWatcher(asio::io_context& io, MaildirConfig config, CommitQueue& commit, WorkerPool& workers,
                 std::filesystem::path quarantine);
  ~MaildirWatcher();
  void start();  // creates the Maildir, starts watching, scans new/ (throws)
  void stop();
  std::size_t in_flight() const { return in_flight_; }
  // Stopped and nothing of it pending any more (no coroutine, no commit): it may be destroyed.
  bool idle() const { return stopped_ && in_flight_ == 0 && loops_ == 0; }
  const MaildirConfig& config() const { return config_; }
  const std::filesystem::path& path() const { return config_.path; }

 private:
  awaitable<void> event_loop();
  awaitable<void> rescan_loop();
  awaitable<void> settle_loop();
  void scan();
  void created(const std::string& name);  // IN_CREATE in new/ (a link(2) delivery, or a plain create)
  // `complete`: an event said the writer is done with it (rename/link into new/, close after write).
  void enqueue(const std::string& name, bool complete);
  void pump();
  void process(const std::string& name, bool complete);
  void defer(const std::string& name, const struct stat& st);
  void finish(const std::string& name, const std::string& target, bool quarantined, const CommitResult& result);
  std::string target_path(const std::string& name) const;  // where the file goes when done ("" = delete)
  void report_backlog();  // known_.size() into the bounced_maildir_backlog gauge

  asio::io_context& io_;
  MaildirConfig config_;
  CommitQueue& commit_;
  WorkerPool& workers_;  // hashes and parses what was read
  std::filesystem::path quarantine_;
  asio::posix::stream_descriptor inotify_;
  asio::steady_timer rescan_timer_;
  asio::steady_timer settle_timer_;
  std::unordered_set<std::string> known_;  // queued, deferred or in flight
  std::deque<std::pair<std::string, bool>> queue_;  // name, complete
  struct Deferred {
    long long size, ctime_ns;  // as last seen
  };
  std::unordered_map<std::string, Deferred> deferred_;  // not yet known complete: looked at again
  std::size_t in_flight_ = 0;
  int loops_ = 0;  // coroutines running
  std::size_t reported_backlog_ = 0;
  bool stopped_ = false;
  bool retry_soon_ = false;
  std::chrono::steady_clock::time_point last_error_log_{};
};

}  // namespace bounced
