// daemon.cpp: see daemon.hpp.
#include "daemon.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <memory>
#include <vector>

#include "asio.hpp"
#include "bounce_metrics.hpp"
#include "commit_queue.hpp"
#include "file_util.hpp"
#include "lmtp_server.hpp"
#include "logging.hpp"
#include "maildir_watcher.hpp"
#include "metrics_server.hpp"
#include "outbox_worker.hpp"
#include "systemd.hpp"
#include "worker_pool.hpp"

namespace bounced {
namespace {

// What a SIGHUP cannot change (needs a restart): compared field by field for a warning.
std::vector<std::string> restart_only_changes(const Config& a, const Config& b) {
  std::vector<std::string> out;
  if (a.state_dir != b.state_dir) out.push_back("state_dir");
  if (a.quarantine != b.quarantine) out.push_back("quarantine");
  if (a.dedup.path != b.dedup.path || a.dedup.horizon != b.dedup.horizon || a.dedup.max_entries != b.dedup.max_entries)
    out.push_back("dedup");
  if (a.null_mode != b.null_mode) out.push_back("null_mode");
  if (a.workers != b.workers) out.push_back("workers");
  auto metrics_text = [](const Config& c) {
    const auto& m = c.metrics;
    std::string s = (m.listen ? m.listen->text : "-") + "|" + std::to_string(m.max_connections) + "|" +
                    std::to_string(m.read_timeout.count()) + "|" + (m.alerts ? "on" : "off") + "|" +
                    std::to_string(m.alert.window_seconds) + "|" + std::to_string(m.alert.threshold) + "|" +
                    std::to_string(m.alert.min_volume);
    for (const auto& g : m.domain_groups) {
      s += "|" + g.name;
      for (const auto& d : g.domains) s += " " + d;
      for (const auto& x : g.mx) s += " mx:" + x;
    }
    return s;
  };
  if (metrics_text(a) != metrics_text(b)) out.push_back("metrics");
  if (a.hygiene.summary() != b.hygiene.summary()) out.push_back("hygiene");
  return out;
}

std::string listen_text(const std::vector<ListenAddress>& listen) {
  std::string s;
  for (const auto& l : listen) s += l.text + "|";
  return s;
}

std::string sink_text(const std::vector<SinkConfig>& sinks) {
  std::string s;
  for (const auto& k : sinks) s += k.type + ":" + k.path.string() + (k.fsync ? "+" : "-") + "|";
  return s;
}

std::string maildir_key(const MaildirConfig& m) {
  return m.path.string() + "|" + std::to_string(int(m.after)) + "|" + m.folder.string();
}

class Daemon {
 public:
  Daemon(ServeOptions options, Config config) : options_(std::move(options)), config_(std::move(config)) {}
  int run() {
    make_dirs(config_.state_dir);
    metrics_ = std::make_unique<BounceMetrics>(config_.metrics);
    set_metrics(metrics_.get());
    if (!config_.null_mode) {
      if (!config_.hygiene.actions.empty()) {  // list hygiene actions (outbox_worker.hpp)
        outbox_ = std::make_unique<OutboxWorker>(config_.store_path(), config_.hygiene);
        config_.hygiene.outbox_wakeup = [w = outbox_.get()] { w->wake(); };
      }
      commit_ = std::make_unique<CommitQueue>(config_);
      commit_->start();
      if (outbox_) outbox_->start();
    } else {
      spdlog::warn("null mode: every recipient gets 250 and nothing is parsed or recorded");
    }
    io_ = std::make_unique<asio::io_context>(1);
    if (commit_) {
      workers_ = std::make_unique<WorkerPool>(*io_, config_.workers, kJobsPerWorker * WorkerPool::resolve_threads(config_.workers));
      spdlog::info("{} worker threads hash and parse Maildir messages", workers_->threads());
    }
    server_ = std::make_unique<LmtpServer>(*io_, commit_.get(), config_);
    spdlog::info("LMTP connections are served (and their messages parsed) on {} threads", server_->shards());
    const auto fds = systemd::listen_fds();
    if (!fds.empty()) {
      for (int fd : fds) server_->adopt(fd);
    } else {
      server_->listen(config_.lmtp.listen);
    }
    if (commit_) {
      for (const auto& m : config_.maildirs) {
        watchers_.push_back(std::make_unique<MaildirWatcher>(*io_, m, *commit_, *workers_, config_.quarantine));
        watchers_.back()->start();
      }
    } else if (!config_.maildirs.empty()) {
      spdlog::warn("null mode: Maildirs are not watched");
    }
    metrics_service_ = std::make_unique<MetricsService>(config_.metrics, *metrics_, metrics_options());
    metrics_service_->start();
    server_->start();
    signals_ = std::make_unique<asio::signal_set>(*io_, SIGTERM, SIGINT, SIGHUP);
    wait_signal();
    start_watchdog();
    spdlog::info("bounced {} ready (state_dir {})", BOUNCED_VERSION, config_.state_dir.string());
    systemd::notify("READY=1\nSTATUS=Accepting LMTP and watching Maildirs");
    io_->run();
    teardown();
    return 0;
  }

  ~Daemon() {
    teardown();  // also after an exception in run()
    set_metrics(nullptr);
  }

 private:
  // The end, in an order that leaves nothing behind: (1) the commit queue completes (and fsyncs)
  // everything submitted, posting each completion to the io_context; (2) every I/O object is closed
  // or cancelled and the io_context runs until no work is left, so each coroutine sees its
  // cancellation and returns, and the completions of (1) run (a Maildir file recorded during the
  // drain still leaves new/), as do those of the worker pool's jobs (the pool keeps the io_context
  // busy while it has any; what they submit then to the stopped commit queue fails at once: 451,
  // or left in new/); (3) the pool's threads are joined, the I/O objects destroyed, then the
  // io_context. A coroutine frame still pending when ~io_context runs would be destroyed after the
  // objects it points to.
  void teardown() noexcept {
    if (torn_down_) return;
    torn_down_ = true;
    try {
      // (0) Jobs still on the workers (a Maildir message read just before the drain ended) finish
      // and are submitted while the commit queue still takes them.
      if (io_ && workers_) {
        io_->restart();
        const auto until = std::chrono::steady_clock::now() + kUnwindBound;
        while ((workers_->admitted() > 0 || workers_->waiting() > 0) && std::chrono::steady_clock::now() < until)
          io_->run_one_for(std::chrono::milliseconds(100));
      }
      if (commit_) {
        commit_->stop();
        const auto& s = commit_->stats();
        spdlog::info("stopped: {} messages recorded, {} duplicates, {} quarantined, {} failed, {} batches",
                     s.messages.load(), s.duplicates.load(), s.quarantined.load(), s.failures.load(),
                     s.batches.load());
      }
      if (io_) {
        close_io_objects();
        io_->restart();
        io_->run_for(kUnwindBound);
        if (!io_->stopped()) spdlog::error("shutdown: I/O still pending after {}s", kUnwindBound.count());
      }
    } catch (const std::exception& e) {
      spdlog::error("shutdown: {}", e.what());
    }
    metrics_service_.reset();  // before the outbox worker its alerts go to
    if (outbox_) outbox_->stop();
    workers_.reset();
    watchers_.clear();
    retired_.clear();
    server_.reset();
    watchdog_timer_.reset();
    signals_.reset();
    io_.reset();
    commit_.reset();
  }

  // Closes every listener, connection, inotify descriptor, timer and signal wait: each pending
  // operation completes with operation_aborted and its coroutine returns.
  void close_io_objects() {
    for (auto& w : watchers_) w->stop();
    for (auto& w : retired_) w->stop();
    if (server_) server_->close();
    boost::system::error_code ec;
    if (signals_) signals_->cancel(ec);
    if (watchdog_timer_) watchdog_timer_->cancel();
  }

  void wait_signal() {
    signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        wait_signal();
      } else {
        shutdown();
      }
    });
  }

  void reload() {
    systemd::notify("RELOADING=1");
    std::vector<std::string> errors;
    auto fresh = load_config_file(options_.config_path, errors);
    if (!fresh) {
      spdlog::error("reload: configuration rejected, keeping the running one:");
      for (const auto& e : errors) spdlog::error("  {}", e);
      if (commit_) commit_->reopen();
    } else {
      if (options_.null_mode) fresh->null_mode = true;
      for (const auto& what : restart_only_changes(config_, *fresh))
        spdlog::warn("reload: a change of '{}' needs a restart; keeping the running value", what);
      config_.lmtp.unix_socket_mode = fresh->lmtp.unix_socket_mode;
      set_log_level(fresh->log_level);
      config_.log_level = fresh->log_level;
      config_.lmtp.hostname = fresh->lmtp.hostname;
      config_.lmtp.max_connections = fresh->lmtp.max_connections;
      config_.lmtp.max_message_size = fresh->lmtp.max_message_size;
      config_.lmtp.max_recipients = fresh->lmtp.max_recipients;
      config_.lmtp.max_line_length = fresh->lmtp.max_line_length;
      config_.lmtp.max_data_line = fresh->lmtp.max_data_line;
      config_.lmtp.max_errors = fresh->lmtp.max_errors;
      config_.lmtp.idle_timeout = fresh->lmtp.idle_timeout;
      config_.lmtp.command_timeout = fresh->lmtp.command_timeout;
      config_.lmtp.commit_timeout = fresh->lmtp.commit_timeout;
      config_.shutdown_timeout = fresh->shutdown_timeout;
      server_->apply(config_);
      if (config_.state_dir == fresh->state_dir) {
        apply_listeners(*fresh);
        apply_maildirs(*fresh);
        apply_sinks(*fresh);  // also reopens every sink's files
      } else {
        spdlog::warn("reload: listeners, Maildirs and sinks are kept as they are until the restart");
        if (commit_) commit_->reopen();
      }
      spdlog::info("reload: configuration applied");
    }
    systemd::notify("READY=1");
  }

  void apply_listeners(const Config& fresh) {
    if (listen_text(config_.lmtp.listen) == listen_text(fresh.lmtp.listen)) {
      server_->set_listeners(config_.lmtp.listen);  // unix_socket_mode, for the sockets there are
      return;
    }
    if (server_->socket_activated()) {
      spdlog::warn("reload: the LMTP sockets come from systemd (bounced.socket): change them there");
      return;
    }
    server_->set_listeners(fresh.lmtp.listen);
    config_.lmtp.listen = fresh.lmtp.listen;
  }

  // Watchers of Maildirs no longer configured (or configured differently) are stopped and kept
  // until their last commit has completed; new ones start at once.
  void apply_maildirs(const Config& fresh) {
    if (!commit_) return;
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      const auto key = maildir_key((*it)->config());
      if (std::none_of(fresh.maildirs.begin(), fresh.maildirs.end(),
                       [&](const MaildirConfig& m) { return maildir_key(m) == key; })) {
        spdlog::info("reload: Maildir {} no longer watched", (*it)->path().string());
        (*it)->stop();
        retired_.push_back(std::move(*it));
        it = watchers_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& m : fresh.maildirs) {
      const auto key = maildir_key(m);
      if (std::any_of(watchers_.begin(), watchers_.end(),
                      [&](const auto& w) { return maildir_key(w->config()) == key; }))
        continue;
      try {
        auto w = std::make_unique<MaildirWatcher>(*io_, m, *commit_, *workers_, config_.quarantine);
        w->start();
        watchers_.push_back(std::move(w));
      } catch (const std::exception& e) {
        spdlog::error("reload: Maildir {}: {}", m.path.string(), e.what());
      }
    }
    std::erase_if(retired_, [](const auto& w) { return w->idle(); });
    config_.maildirs = fresh.maildirs;
  }

  void apply_sinks(const Config& fresh) {
    if (!commit_) return;
    if (sink_text(config_.sinks) != sink_text(fresh.sinks)) {
      commit_->replace_sinks(fresh.sinks);
      config_.sinks = fresh.sinks;
    } else {
      commit_->reopen();
    }
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    systemd::notify("STOPPING=1\nSTATUS=Draining");
    spdlog::info("shutting down: draining {} connections (at most {}s)", server_->connections(),
                 config_.shutdown_timeout.count());
    for (auto& w : watchers_) w->stop();
    server_->drain(config_.shutdown_timeout, [this] { finish_shutdown(); });
  }

  void finish_shutdown() {
    close_io_objects();
    io_->stop();  // teardown() lets the coroutines unwind
  }

  void start_watchdog() {
    const auto interval = systemd::watchdog_interval();
    if (!interval) return;
    watchdog_period_ = *interval / 2;
    watchdog_timer_ = std::make_unique<asio::steady_timer>(*io_);
    arm_watchdog();
  }

  void arm_watchdog() {
    watchdog_timer_->expires_after(watchdog_period_);
    watchdog_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      // The io thread is alive (we are running); the writer must not be stuck in one batch.
      if (!commit_ || commit_->healthy(watchdog_period_ * 2)) systemd::notify("WATCHDOG=1");
      else spdlog::error("watchdog: a commit batch is stuck; not pinging systemd");
      arm_watchdog();
    });
  }

  MetricsServiceOptions metrics_options() {
    MetricsServiceOptions o;
    o.store_path = config_.store_path();  // the first sqlite sink, as for the outbox worker
    if (outbox_)  // alert / resolved events go to the actions that take them
      o.enqueue_event = [w = outbox_.get()](std::string_view event, std::string_view payload) {
        return w->enqueue_event(event, payload);
      };
    return o;
  }

  ServeOptions options_;
  Config config_;
  std::unique_ptr<BounceMetrics> metrics_;  // before the parts that report to it: destroyed after them
  std::unique_ptr<OutboxWorker> outbox_;  // declared before commit_: the sink's wakeup points at it
  std::unique_ptr<MetricsService> metrics_service_;  // after outbox_: its alerts are queued there
  std::unique_ptr<CommitQueue> commit_;
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<WorkerPool> workers_;  // null in null mode
  std::unique_ptr<LmtpServer> server_;
  std::vector<std::unique_ptr<MaildirWatcher>> watchers_;
  std::vector<std::unique_ptr<MaildirWatcher>> retired_;  // removed by a reload, not yet idle
  std::unique_ptr<asio::signal_set> signals_;
  std::unique_ptr<asio::steady_timer> watchdog_timer_;
  std::chrono::microseconds watchdog_period_{0};
  bool stopping_ = false;
  bool torn_down_ = false;
  static constexpr std::chrono::seconds kUnwindBound{10};
  // Jobs queued or running on the workers at once (more wait on the I/O thread, in order).
  static constexpr std::size_t kJobsPerWorker = 4;
};

}  // namespace

int run_daemon(const ServeOptions& options) {
  std::vector<std::string> errors;
  auto config = load_config_file(options.config_path, errors);
  if (!config) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (options.null_mode) config->null_mode = true;
  setup_logging(config->log_level);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGIO, SIG_IGN);  // a Maildir lease probe broken by a writer (maildir_watcher.cpp)
  try {
    Daemon d(options, std::move(*config));
    return d.run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    systemd::notify("STATUS=Failed: " + std::string(e.what()));
    return 1;
  }
}

}  // namespace bounced
