// maildir_watcher.cpp: see maildir_watcher.hpp.
#include "maildir_watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attribution.hpp"
#include "bounce_metrics.hpp"
#include "guard.hpp"
#include "message_intake.hpp"

namespace bounced {
namespace {

constexpr std::size_t kMaxInFlight = 64;
constexpr auto kRescanInterval = std::chrono::seconds(60);
constexpr auto kRetryInterval = std::chrono::seconds(5);
// How long a file not known to be complete must stay unchanged before it is read.
constexpr auto kSettle = std::chrono::seconds(1);

long long ctime_ns(const struct stat& st) { return st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec; }

// The Maildir unique-name form, "TIME.UNIQUE.HOST[:2,FLAGS]" (TIME in decimal): a name only a
// Maildir writer gives, which makes a file complete once it appears in new/.
bool maildir_name(std::string_view name) {
  std::size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits == 0 || digits >= name.size() || name[digits] != '.') return false;
  const auto second_dot = name.find('.', digits + 1);
  return second_dot != std::string_view::npos && second_dot > digits + 1 && second_dot + 1 < name.size();
}

// Nothing has touched the inode (data, size, rename, link) for kSettle. A ctime well in the future
// (the clock was set back) cannot be a write in progress, which stamps the current time.
bool quiet_for_settle(const struct stat& st) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const long long age = now.tv_sec * 1000000000LL + now.tv_nsec - ctime_ns(st);
  const long long settle = std::chrono::duration_cast<std::chrono::nanoseconds>(kSettle).count();
  return age >= settle || age < -settle;
}

// Whether some process has the file open for writing: a read lease cannot be taken then (EAGAIN).
// Taken and dropped at once; the SIGIO a lease break would raise is ignored (run_daemon). Without
// leases (not the owner and no CAP_LEASE, leases disabled, NFS) this says false and the ctime rule
// alone decides.
bool open_for_writing(int fd) {
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    return false;
  }
  return errno == EAGAIN;
}

// NAME -> NAME:2,S (Maildir "seen" flag; existing flags kept, in ASCII order as the spec asks).
std::string with_seen_flag(const std::string& name) {
  const auto info = name.find(":2,");
  if (info == std::string::npos) return name + ":2,S";
  std::string flags = name.substr(info + 3);
  if (flags.find('S') == std::string::npos) flags += 'S';
  std::sort(flags.begin(), flags.end());
  return name.substr(0, info + 3) + flags;
}

}  // namespace

MaildirWatcher::MaildirWatcher(asio::io_context& io, MaildirConfig config, CommitQueue& commit, WorkerPool& workers,
                               std::filesystem::path quarantine)
    : io_(io), config_(std::move(config)), commit_(commit), workers_(workers), quarantine_(std::move(quarantine)), inotify_(io),
      rescan_timer_(io), settle_timer_(io) {}

MaildirWatcher::~MaildirWatcher() { stop(); }

void MaildirWatcher::start() {
  make_maildir(config_.path);
  if (config_.after == MaildirConfig::After::move) make_maildir(config_.folder);
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw_errno("inotify_init1 for", config_.path);
  inotify_.assign(fd);
  const auto new_dir = config_.path / "new";
  // IN_MOVED_TO: rename(2) from tmp/; IN_CLOSE_WRITE: a plain write into new/; IN_CREATE: link(2)
  // from tmp/, the way Postfix's local(8)/virtual(8) and qmail deliver (no other event follows).
  if (::inotify_add_watch(fd, new_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ONLYDIR) < 0)
    throw_errno("inotify_add_watch", new_dir);
  spdlog::info("watching Maildir {}", config_.path.string());
  asio::co_spawn(io_, event_loop(), asio::detached);
  asio::co_spawn(io_, rescan_loop(), asio::detached);
  asio::co_spawn(io_, settle_loop(), asio::detached);
  loops_ = 3;  // each loop counts itself down when it returns
  scan();  // after the watch is in place, so nothing arriving in between is missed
}

void MaildirWatcher::stop() {
  if (auto* m = metrics(); m && !stopped_) m->maildir_backlog_add(-static_cast<double>(reported_backlog_));
  reported_backlog_ = 0;
  stopped_ = true;
  boost::system::error_code ec;
  inotify_.close(ec);
  rescan_timer_.cancel();
  settle_timer_.cancel();
  for (const auto& [name, complete] : queue_) known_.erase(name);
  queue_.clear();
  for (const auto& [name, d] : deferred_) known_.erase(name);
  deferred_.clear();
}

awaitable<void> MaildirWatcher::event_loop() {
  struct CountDown {
    int& n;
    ~CountDown() { --n; }
  } count_down{loops_};
  // On the heap (aligned by new), not in the coroutine frame, where g++ 12 does not honour alignas
  // (UBSan: misaligned inotify_event).
  constexpr std::size_t kBufSize = 16384;
  const auto buf = std::make_unique<char[]>(kBufSize);
  while (!stopped_) {
    boost::system::error_code ec;
    const std::size_t n = co_await inotify_.async_read_some(asio::buffer(buf.get(), kBufSize), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec != asio::error::operation_aborted && !stopped_) spdlog::error("inotify {}: {}", config_.path.string(), ec.message());
      co_return;
    }
    for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.get() + off);
      off += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        scan();
      } else if (ev->mask & IN_IGNORED) {
        spdlog::error("Maildir {}: new/ was removed; watching stopped", config_.path.string());
        co_return;
      } else if (ev->len > 0 && !(ev->mask & IN_ISDIR)) {
        if (ev->mask & IN_CREATE) created(ev->name);
        else enqueue(ev->name, true);  // IN_MOVED_TO, IN_CLOSE_WRITE
      }
    }
  }
}

awaitable<void> MaildirWatcher::rescan_loop() {
  struct CountDown {
    int& n;
    ~CountDown() { --n; }
  } count_down{loops_};
  while (!stopped_) {
    rescan_timer_.expires_after(retry_soon_ ? kRetryInterval : kRescanInterval);
    boost::system::error_code ec;
    co_await rescan_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopped_) co_return;
    if (ec == asio::error::operation_aborted) continue;  // re-armed sooner for a retry
    retry_soon_ = false;
    scan();
  }
}

// Looks at the deferred files again every kSettle: one unchanged since the last look is queued.
awaitable<void> MaildirWatcher::settle_loop() {
  struct CountDown {
    int& n;
    ~CountDown() { --n; }
  } count_down{loops_};
  while (!stopped_) {
    // Idle: wait until defer() cancels the timer.
    settle_timer_.expires_after(deferred_.empty() ? std::chrono::steady_clock::duration(std::chrono::hours(24))
                                                  : std::chrono::steady_clock::duration(kSettle));
    boost::system::error_code ec;
    co_await settle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopped_) co_return;
    if (ec == asio::error::operation_aborted) continue;
    std::vector<std::string> stable;
    for (auto it = deferred_.begin(); it != deferred_.end();) {
      struct stat st {};
      const auto file = config_.path / "new" / it->first;
      if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {  // gone (or not a file any more)
        known_.erase(it->first);
        it = deferred_.erase(it);
        report_backlog();
      } else if (st.st_size == it->second.size && ctime_ns(st) == it->second.ctime_ns) {
        stable.push_back(it->first);
        it = deferred_.erase(it);
      } else {
        it->second = {static_cast<long long>(st.st_size), ctime_ns(st)};
        ++it;
      }
    }
    // process() reads them once their ctime is kSettle old (or defers them again).
    std::sort(stable.begin(), stable.end());
    for (auto& name : stable) queue_.emplace_back(std::move(name), false);
    pump();
  }
}

void MaildirWatcher::defer(const std::string& name, const struct stat& st) {
  const bool was_idle = deferred_.empty();
  deferred_[name] = {static_cast<long long>(st.st_size), ctime_ns(st)};
  if (was_idle) settle_timer_.cancel();  // wakes settle_loop, which re-arms for kSettle
}

void MaildirWatcher::scan() {
  const auto new_dir = config_.path / "new";
  DIR* d = ::opendir(new_dir.c_str());
  if (!d) {
    spdlog::error("Maildir {}: cannot read new/: {}", config_.path.string(), std::strerror(errno));
    return;
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
    names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());  // Maildir names start with the delivery time: oldest first
  for (const auto& n : names) enqueue(n, false);
}

// A name that appeared in new/: complete when it is a second link of a file in tmp/ (the delivery
// has not yet removed its tmp/ name). Otherwise it may be a plain create still being written (its
// IN_CLOSE_WRITE follows) or a finished link whose tmp/ name is gone already (no event follows):
// deferred, it is read once unchanged for kSettle, or at once when its IN_CLOSE_WRITE comes.
void MaildirWatcher::created(const std::string& name) {
  if (stopped_ || name.empty() || name[0] == '.' || known_.count(name)) return;
  struct stat st {};
  const auto file = config_.path / "new" / name;
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // gone already, or not a file
  if (st.st_nlink > 1) {
    enqueue(name, true);
  } else {
    known_.insert(name);
    report_backlog();
    defer(name, st);
  }
}

void MaildirWatcher::enqueue(const std::string& name, bool complete) {
  if (stopped_ || name.empty() || name[0] == '.') return;
  if (!known_.insert(name).second) {
    // A deferred file whose writer has now closed it (or renamed it in): look at it now.
    if (!complete || deferred_.erase(name) == 0) return;
  }
  report_backlog();
  queue_.emplace_back(name, complete);
  pump();
}

void MaildirWatcher::pump() {
  while (!stopped_ && in_flight_ < kMaxInFlight && !queue_.empty()) {
    auto [name, complete] = std::move(queue_.front());
    queue_.pop_front();
    process(name, complete);
  }
}

std::string MaildirWatcher::target_path(const std::string& name) const {
  switch (config_.after) {
    case MaildirConfig::After::mark_seen: return (config_.path / "cur" / with_seen_flag(name)).string();
    case MaildirConfig::After::move: return (config_.folder / "cur" / with_seen_flag(name)).string();
    case MaildirConfig::After::remove: return {};
  }
  return {};
}

void MaildirWatcher::process(const std::string& name, bool complete) {
  const auto file = config_.path / "new" / name;
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd || errno != ENOENT) spdlog::warn("Maildir {}: skipping {}: not a readable regular file", config_.path.string(), name);
    known_.erase(name);  // gone (handled by someone else) or not a file: forget it
    report_backlog();
    return;
  }
  if ((!(complete && maildir_name(name)) && !quiet_for_settle(st)) || open_for_writing(fd.get())) {
    defer(name, st);  // perhaps still being written
    return;
  }
  if (static_cast<std::size_t>(st.st_size) > Limits::max_message_bytes) {
    // Too big to parse or to copy through memory: move it into the quarantine as it is.
    const auto dest = quarantine_ / "new" / name;
    if (::rename(file.c_str(), dest.c_str()) == 0) {
      spdlog::warn("Maildir {}: {} is larger than {} bytes: moved to {}", config_.path.string(), name,
                   Limits::max_message_bytes, dest.string());
      known_.erase(name);
      report_backlog();
    } else {
      spdlog::error("Maildir {}: {} is too large and cannot be moved to the quarantine: {}", config_.path.string(),
                    name, std::strerror(errno));  // stays known: not retried until restart
    }
    return;
  }
  std::string raw;
  raw.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < raw.size()) {
    const ssize_t n = ::read(fd.get(), raw.data() + got, raw.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  raw.resize(got);
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0 || got != static_cast<std::size_t>(st.st_size) ||
      after.st_size != st.st_size || ctime_ns(after) != ctime_ns(st)) {
    defer(name, after);  // written to while we read it: read it again once it is quiet
    return;
  }
  fd.reset();
  std::string target = target_path(name);
  std::string source = target.empty() ? file.string() : target;
  ++in_flight_;
  // On a worker: X-Original-To / Delivered-To (the default VERP scheme picks the one for the JSONL
  // record; the sqlite sink picks again among all of them with the configured scheme), the hashes
  // and the parse. Back here, the commit; the file is moved once it is durable.
  workers_.async_run(
      [key = commit_.hash_key(), sha256 = commit_.needs_content_sha256(), raw = std::move(raw),
       source = std::move(source)]() mutable {
        auto candidates = envelope_recipient_candidates(raw);
        std::string envelope_recipient = pick_envelope_recipient(candidates, AttributionConfig{});
        CommitRequest req = prepare_message(key, sha256, raw, std::move(source), {}, std::move(envelope_recipient));
        if (candidates.size() > 1) req.record->envelope_candidates = std::move(candidates);
        return req;
      },
      [this, name, target = std::move(target)](std::exception_ptr error, CommitRequest req) {
        if (error) {  // out of memory or the like: left in new/ for the next scan
          std::string what = "worker failure";
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          finish(name, target, false, {false, false, what});
          return;
        }
        const bool quarantined = req.quarantine_raw != nullptr;
        req.done = [this, name, target, quarantined](const CommitResult& r) {
          asio::post(io_, [this, name, target, quarantined, r] { finish(name, target, quarantined, r); });
        };
        commit_.submit(std::move(req));
      });
}

void MaildirWatcher::report_backlog() {
  if (stopped_) return;
  if (auto* m = metrics())
    m->maildir_backlog_add(static_cast<double>(known_.size()) - static_cast<double>(reported_backlog_));
  reported_backlog_ = known_.size();
}

void MaildirWatcher::finish(const std::string& name, const std::string& target, bool quarantined,
                            const CommitResult& result) {
  --in_flight_;
  known_.erase(name);
  report_backlog();
  const auto file = config_.path / "new" / name;
  if (!result.ok) {
    // Left in new/: the next scan retries it.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_error_log_ > std::chrono::seconds(10)) {
      spdlog::error("Maildir {}: {} not recorded ({}); retrying", config_.path.string(), name, result.error);
      last_error_log_ = now;
    }
    if (!retry_soon_) {
      retry_soon_ = true;
      rescan_timer_.cancel();
    }
  } else if (quarantined || target.empty()) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT)
      spdlog::error("Maildir {}: cannot remove {}: {}", config_.path.string(), name, std::strerror(errno));
  } else if (::rename(file.c_str(), target.c_str()) != 0 && errno != ENOENT) {
    spdlog::error("Maildir {}: cannot move {} to {}: {}", config_.path.string(), name, target, std::strerror(errno));
  }
  pump();
}

}  // namespace bounced
