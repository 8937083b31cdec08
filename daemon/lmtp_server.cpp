// lmtp_server.cpp: see lmtp_server.hpp. Each shard's io_context runs on one thread, and a
// connection lives on one shard: its coroutines, its watchdog and its commit completions (posted
// back from the writer thread) never race. The connection list, counters and listeners belong to
// the first shard's thread (the daemon's io_context); the other shards post to it.
#include "lmtp_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include "bounce_metrics.hpp"
#include "file_util.hpp"
#include "message_intake.hpp"
#include "worker_pool.hpp"

namespace bounced {

using Clock = std::chrono::steady_clock;

// What a reload may change for open sessions, copied into each shard (read on its thread only).
struct SessionSettings {
  std::chrono::seconds idle_timeout{}, command_timeout{}, commit_timeout{};
  std::string hostname;
  bool null_mode = true;
};

struct LmtpServer::Shard {
  explicit Shard(asio::io_context& main) : io(main) {}
  Shard() : own(std::make_unique<asio::io_context>(1)), io(*own) {}
  std::unique_ptr<asio::io_context> own;  // null for the first shard
  asio::io_context& io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::thread thread;
  std::atomic<bool> finished{false};
  SessionSettings settings;
  std::vector<CommitRequest> pending_commits;  // parsed, not yet handed to the commit queue
  bool commit_posted = false;                  // a handler that hands them over is queued
};

struct LmtpServer::Connection {
  Connection(Shard& sh, StreamSocket s, LmtpLimits limits, std::string hostname)
      : shard(sh), socket(std::move(s)), timer(sh.io), session(limits, std::move(hostname)) {}
  Shard& shard;
  StreamSocket socket;
  asio::steady_timer timer;  // the watchdog's
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point armed = Clock::time_point::max();  // what the watchdog's timer waits for
  LmtpSession session;
  std::string in;           // read buffer: [0, in_len) is unconsumed input, the rest room for reads
  std::size_t in_len = 0;   // (kept apart from in.size() so that a read never zero-fills its room)
  std::string out;
  bool timed_out = false;
  bool reading_idle = false;  // blocked on a read outside any transaction: drain may interrupt
  bool closed = false;
  bool over_limit = false;    // beyond max_connections: 421 and close
  std::list<std::weak_ptr<Connection>>::iterator self;
};

namespace {

constexpr std::size_t kReadChunk = 16384;
constexpr auto kWriteTimeout = std::chrono::seconds(30);

std::string local_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

LmtpLimits limits_from(const LmtpConfig& c) {
  LmtpLimits l;
  l.max_message_size = c.max_message_size;
  l.max_recipients = c.max_recipients;
  l.max_line_length = c.max_line_length;
  l.max_data_line = c.max_data_line;
  l.max_errors = c.max_errors;
  return l;
}

asio::ip::address parse_host(const std::string& host) {
  if (host == "localhost") return asio::ip::address_v4::loopback();
  if (host == "*") return asio::ip::address_v6::any();
  boost::system::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("listen address '" + host + "' is not a numeric IP address (or localhost, *)");
  return a;
}

// A leftover socket file is removed; a live one means another server: refuse.
void clear_unix_path(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(path.string() + " exists and is not a socket");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  const bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (fd >= 0) ::close(fd);
  if (live) throw std::runtime_error("another server is listening on " + path.string());
  ::unlink(path.c_str());
}

// Moving a deadline later is seen when the timer fires; moving it earlier wakes the watchdog now.
void set_deadline(LmtpServer::Connection& c, Clock::time_point t);

}  // namespace

LmtpServer::LmtpServer(asio::io_context& io, CommitQueue* commit, const Config& config)
    : io_(io), commit_(commit) {
  const std::size_t n = WorkerPool::resolve_threads(config.workers);  // as many as Maildir workers
  shards_.push_back(std::make_unique<Shard>(io_));
  while (shards_.size() < n) shards_.push_back(std::make_unique<Shard>());
  apply(config);
  for (auto& sh : shards_) {
    if (!sh->own) continue;
    sh->keep_running.emplace(sh->io.get_executor());
    sh->thread = std::thread([p = sh.get()] {
      for (;;) {  // a handler's exception is logged; the shard's other connections go on
        try {
          p->io.run();
          break;
        } catch (const std::exception& e) {
          spdlog::error("LMTP shard: {}", e.what());
        } catch (...) {
          spdlog::error("LMTP shard: unknown exception");
        }
      }
      p->finished = true;
    });
  }
}

LmtpServer::~LmtpServer() {
  stop_shards();
  for (auto& l : listeners_) close_listener(l);
}

void LmtpServer::apply(const Config& config) {
  limits_ = limits_from(config.lmtp);
  hostname_ = config.lmtp.hostname.empty() ? local_hostname() : config.lmtp.hostname;
  max_connections_ = config.lmtp.max_connections;
  unix_mode_ = config.lmtp.unix_socket_mode;
  SessionSettings st;
  st.idle_timeout = config.lmtp.idle_timeout;
  st.command_timeout = config.lmtp.command_timeout;
  st.commit_timeout = config.lmtp.commit_timeout;
  st.hostname = hostname_;
  st.null_mode = config.null_mode || commit_ == nullptr;
  for (auto& sh : shards_) {
    if (!sh->own || !sh->thread.joinable()) sh->settings = st;  // this thread's, or not started yet
    else asio::post(sh->io, [p = sh.get(), st] { p->settings = st; });
  }
}

namespace {
std::string listener_key(const ListenAddress& a) {
  if (a.kind == ListenAddress::Kind::unix_socket) return "unix:" + a.path.string();
  try {
    return "tcp:" + parse_host(a.host).to_string() + ":" + std::to_string(a.port);
  } catch (const std::exception&) {
    return "tcp:" + a.text;  // opening it reports the error
  }
}
}  // namespace

LmtpServer::Listener LmtpServer::open_listener(const ListenAddress& a) {
  Listener l;
  l.key = listener_key(a);
  auto acc = std::make_shared<StreamAcceptor>(io_);
  if (a.kind == ListenAddress::Kind::tcp) {
    asio::generic::stream_protocol::endpoint ep(asio::ip::tcp::endpoint(parse_host(a.host), a.port));
    acc->open(ep.protocol());
    acc->set_option(asio::socket_base::reuse_address(true));
    boost::system::error_code ec;
    acc->bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + a.text + ": " + ec.message());
    acc->listen(asio::socket_base::max_listen_connections);
    spdlog::info("LMTP listening on {}", a.text);
  } else {
    make_dirs(a.path.parent_path());
    clear_unix_path(a.path);
    asio::generic::stream_protocol::endpoint ep(asio::local::stream_protocol::endpoint(a.path.string()));
    acc->open(ep.protocol());
    boost::system::error_code ec;
    acc->bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on unix:" + a.path.string() + ": " + ec.message());
    l.unix_path = a.path.string();
    // Before listen(): nobody can connect until the mode is right.
    if (::chmod(a.path.c_str(), unix_mode_) != 0) {
      ::unlink(a.path.c_str());
      throw_errno("chmod", a.path);
    }
    acc->listen(asio::socket_base::max_listen_connections);
    spdlog::info("LMTP listening on unix:{}", a.path.string());
  }
  l.acceptor = std::move(acc);
  return l;
}

void LmtpServer::close_listener(Listener& l) {
  boost::system::error_code ec;
  if (l.acceptor) l.acceptor->close(ec);  // its accept loop returns
  if (!l.unix_path.empty()) ::unlink(l.unix_path.c_str());
  l.unix_path.clear();
}

void LmtpServer::listen(const std::vector<ListenAddress>& addresses) {
  for (const auto& a : addresses) {
    listeners_.push_back(open_listener(a));
    if (started_) asio::co_spawn(io_, accept_loop(listeners_.back().acceptor), asio::detached);
  }
}

void LmtpServer::adopt(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    throw std::system_error(errno, std::generic_category(), "getsockname on passed socket");
  const int family = ss.ss_family;
  auto acc = std::make_shared<StreamAcceptor>(io_);
  acc->assign(asio::generic::stream_protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), fd);
  spdlog::info("LMTP listening on a socket passed by systemd (fd {}, {})", fd,
               family == AF_UNIX ? "unix" : family == AF_INET6 ? "tcp6" : "tcp");
  listeners_.push_back({"fd:" + std::to_string(fd), {}, std::move(acc)});
  socket_activated_ = true;
}

void LmtpServer::start() {
  started_ = true;
  for (auto& l : listeners_) asio::co_spawn(io_, accept_loop(l.acceptor), asio::detached);
}

void LmtpServer::set_listeners(const std::vector<ListenAddress>& addresses) {
  if (socket_activated_ || draining_) return;
  std::vector<std::string> wanted;
  for (const auto& a : addresses) wanted.push_back(listener_key(a));
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (std::find(wanted.begin(), wanted.end(), it->key) == wanted.end()) {
      spdlog::info("LMTP: no longer listening on {}", it->key);
      close_listener(*it);
      it = listeners_.erase(it);
    } else {
      if (!it->unix_path.empty() && ::chmod(it->unix_path.c_str(), unix_mode_) != 0)
        spdlog::warn("LMTP: chmod {}: {}", it->unix_path, std::strerror(errno));
      ++it;
    }
  }
  for (const auto& a : addresses) {
    const auto key = listener_key(a);
    if (std::any_of(listeners_.begin(), listeners_.end(), [&](const Listener& l) { return l.key == key; })) continue;
    try {
      listeners_.push_back(open_listener(a));
      if (started_) asio::co_spawn(io_, accept_loop(listeners_.back().acceptor), asio::detached);
    } catch (const std::exception& e) {
      spdlog::error("reload: {}", e.what());
    }
  }
}

awaitable<void> LmtpServer::accept_loop(std::shared_ptr<StreamAcceptor> acceptor) {
  asio::steady_timer backoff(io_);
  for (;;) {
    StreamSocket socket(io_);
    boost::system::error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (draining_ || !acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {  // EMFILE and the like: wait instead of spinning
      spdlog::warn("LMTP accept: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(200));
      co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    const int family = socket.local_endpoint(ec).protocol().family();
    if (!ec && (family == AF_INET || family == AF_INET6)) {
      const int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    // To its shard: the descriptor moves to a socket of that shard's io_context.
    Shard& sh = *shards_[next_shard_++ % shards_.size()];
    if (&sh.io != &io_) {
      const auto protocol = socket.local_endpoint(ec).protocol();
      if (ec) continue;  // gone already
      StreamSocket moved(sh.io);
      moved.assign(protocol, socket.release(), ec);
      if (ec) {
        spdlog::warn("LMTP accept: {}", ec.message());
        continue;
      }
      socket = std::move(moved);
    }
    auto c = std::make_shared<Connection>(sh, std::move(socket), limits_, hostname_);
    ++accepted_;
    if (auto* m = metrics()) {
      m->lmtp_connections.inc(0);
      m->lmtp_open.add(1);
    }
    c->over_limit = live_ >= max_connections_;
    ++live_;
    conns_.push_front(c);
    c->self = conns_.begin();
    asio::co_spawn(sh.io, serve(c), asio::detached);
  }
}

namespace {
void set_deadline(LmtpServer::Connection& c, Clock::time_point t) {
  c.deadline = t;
  if (t < c.armed) c.timer.cancel();
}
}  // namespace

awaitable<void> LmtpServer::watchdog(std::shared_ptr<Connection> c) {
  while (!c->closed) {
    c->armed = c->deadline;
    c->timer.expires_at(c->armed);
    boost::system::error_code ec;
    co_await c->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (c->closed) break;
    if (c->deadline <= Clock::now()) {
      c->timed_out = true;
      c->deadline = Clock::now() + std::chrono::seconds(5);  // for the 421; then the socket goes
      boost::system::error_code ignored;
      c->socket.cancel(ignored);
    }
  }
}

awaitable<bool> LmtpServer::flush(Connection& c) {
  if (c.out.empty()) co_return true;
  if (!c.timed_out) set_deadline(c, Clock::now() + kWriteTimeout);
  if (auto* m = metrics()) m->lmtp_replies_written(c.out);
  boost::system::error_code ec;
  co_await asio::async_write(c.socket, asio::buffer(c.out), asio::redirect_error(use_awaitable, ec));
  c.out.clear();
  if (c.out.capacity() > 65536) c.out.shrink_to_fit();
  if (ec) {
    if (ec != asio::error::broken_pipe && ec != asio::error::connection_reset && ec != asio::error::operation_aborted)
      spdlog::info("LMTP write: {}", ec.message());
    co_return false;
  }
  co_return true;
}

awaitable<void> LmtpServer::commit_message(Connection& c) {
  const SessionSettings& st = c.shard.settings;
  if (st.null_mode) {
    c.session.message().clear();
    c.session.complete_message(LmtpSession::Outcome::stored, "null", c.out);
    co_return;
  }
  struct Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::optional<CommitResult> result;
  };
  // Hashing and parsing happen here, on the connection's shard: handing each message to another
  // thread and back cost more than the parse itself (two context switches per message).
  set_deadline(c, Clock::now() + st.commit_timeout + std::chrono::seconds(5));
  const auto& rcpts = c.session.recipients();
  CommitRequest req = prepare_message(commit_->hash_key(), commit_->needs_content_sha256(), c.session.message(), {}, c.session.mail_from(),
                                      rcpts.empty() ? std::string() : rcpts.front());
  if (rcpts.size() > 1) req.record->envelope_recipients = rcpts;  // attributed one by one (sqlite sink)
  auto w = std::make_shared<Waiter>(c.shard.io);
  const std::string id = req.record->hash.hex().substr(0, 16);
  req.done = [w, &io = c.shard.io](const CommitResult& r) {
    asio::post(io, [w, r] {
      w->result = r;
      w->timer.cancel();
    });
  };
  queue_commit(c.shard, std::move(req));
  w->timer.expires_after(st.commit_timeout);
  if (!w->result) {
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  LmtpSession::Outcome outcome = LmtpSession::Outcome::timed_out;
  if (w->result) outcome = w->result->ok ? LmtpSession::Outcome::stored : LmtpSession::Outcome::failed;
  if (outcome == LmtpSession::Outcome::timed_out) spdlog::warn("LMTP: commit of {} timed out: 451", id);
  if (auto* m = metrics())
    m->lmtp_transaction(outcome == LmtpSession::Outcome::stored   ? BounceMetrics::Transaction::stored
                        : outcome == LmtpSession::Outcome::failed ? BounceMetrics::Transaction::failed
                                                                  : BounceMetrics::Transaction::timed_out);
  c.session.complete_message(outcome, id, c.out);
}

// Group commit starts here: every message a shard parsed while handling the reads that were
// ready together goes to the commit queue in one batch, after them (a posted handler runs after
// the handlers already queued), so the writer thread wakes once per batch, not once per message.
void LmtpServer::queue_commit(Shard& sh, CommitRequest req) {
  sh.pending_commits.push_back(std::move(req));
  if (sh.commit_posted) return;
  sh.commit_posted = true;
  asio::post(sh.io, [p = &sh, commit = commit_] {
    p->commit_posted = false;
    std::vector<CommitRequest> batch;
    batch.swap(p->pending_commits);
    commit->submit_batch(std::move(batch));
  });
}

awaitable<void> LmtpServer::serve(std::shared_ptr<Connection> c) {
  try {
    c->deadline = Clock::now() + kWriteTimeout;
    asio::co_spawn(c->shard.io, watchdog(c), asio::detached);
    if (c->over_limit) c->session.abort("421 4.3.2 Too many connections, try again later", c->out);
    else c->out = c->session.greeting();
    std::size_t start = 0;  // unconsumed bytes begin here in c->in
    for (;;) {
      std::string_view view(c->in.data() + start, c->in_len - start);
      const auto action = c->session.feed(view, c->out);
      start = c->in_len - view.size();
      if (action == LmtpSession::Action::close) {
        co_await flush(*c);
        break;
      }
      if (action == LmtpSession::Action::message_ready) {
        co_await commit_message(*c);
        continue;
      }
      // need_input: keep only the unconsumed tail, answer everything so far, then read.
      if (start > 0) {
        std::memmove(c->in.data(), c->in.data() + start, c->in_len - start);
        c->in_len -= start;
      }
      start = 0;
      if (draining_ && !c->session.in_transaction()) {
        c->session.abort("421 4.3.2 Service shutting down, try again later", c->out);
        continue;
      }
      if (!co_await flush(*c)) break;
      if (c->in.size() > 4 * kReadChunk && c->in_len < kReadChunk) {
        c->in.resize(kReadChunk);
        c->in.shrink_to_fit();
      }
      const bool in_txn = c->session.in_transaction();
      const SessionSettings& st = c->shard.settings;
      set_deadline(*c, Clock::now() + (in_txn ? st.command_timeout : st.idle_timeout));
      c->reading_idle = !in_txn && c->in_len == 0;
      if (c->in.size() < c->in_len + kReadChunk) c->in.resize(c->in_len + kReadChunk);
      boost::system::error_code ec;
      const std::size_t n = co_await c->socket.async_read_some(asio::buffer(c->in.data() + c->in_len, kReadChunk),
                                                               asio::redirect_error(use_awaitable, ec));
      c->in_len += n;
      c->reading_idle = false;
      if (!ec) continue;
      if (c->timed_out) {
        c->session.abort("421 4.4.2 " + c->shard.settings.hostname + " Timeout, closing connection", c->out);
        continue;
      }
      if (ec == asio::error::operation_aborted && draining_) {
        c->session.abort("421 4.3.2 Service shutting down, try again later", c->out);
        continue;
      }
      if (ec == asio::error::eof) {
        if (c->session.in_transaction()) spdlog::info("LMTP: client closed the connection during a transaction");
      } else if (ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
        spdlog::info("LMTP read: {}", ec.message());
      }
      break;
    }
  } catch (const std::exception& e) {
    spdlog::error("LMTP connection: {}", e.what());
  }
  connection_closed(*c);
}

void LmtpServer::connection_closed(Connection& c) {
  c.closed = true;
  boost::system::error_code ec;
  c.socket.shutdown(asio::socket_base::shutdown_both, ec);
  c.socket.close(ec);
  c.timer.cancel();
  if (auto* m = metrics()) m->lmtp_open.add(-1);
  // The list and the counts belong to io_'s thread.
  asio::post(io_, [this, self = c.self] {
    conns_.erase(self);
    --live_;
    if (draining_ && live_ == 0 && on_drained_) {
      auto done = std::move(on_drained_);
      on_drained_ = nullptr;
      if (drain_timer_) drain_timer_->cancel();
      asio::post(io_, std::move(done));
    }
  });
}

void LmtpServer::drain(std::chrono::steady_clock::duration bound, std::function<void()> on_done) {
  draining_ = true;
  boost::system::error_code ec;
  for (auto& l : listeners_) close_listener(l);
  if (live_ == 0) {
    asio::post(io_, std::move(on_done));
    return;
  }
  on_drained_ = std::move(on_done);
  for (auto& weak : conns_) {
    if (auto c = weak.lock()) {
      asio::post(c->shard.io, [c] {
        boost::system::error_code ignored;
        if (c->reading_idle) c->socket.cancel(ignored);
      });
    }
  }
  drain_timer_ = std::make_unique<asio::steady_timer>(io_);
  drain_timer_->expires_after(bound);
  drain_timer_->async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    spdlog::warn("shutdown: {} connections still open after the drain bound: closing them", live_);
    for (auto& weak : conns_) {
      if (auto c = weak.lock()) {
        asio::post(c->shard.io, [c] {
          boost::system::error_code ignored;
          c->socket.close(ignored);
        });
      }
    }
  });
}

void LmtpServer::close() {
  draining_ = true;
  boost::system::error_code ec;
  for (auto& l : listeners_) close_listener(l);
  for (auto& weak : conns_) {
    if (auto c = weak.lock()) {
      asio::post(c->shard.io, [c] {
        boost::system::error_code ignored;
        c->socket.close(ignored);
        c->timer.cancel();
      });
    }
  }
  if (drain_timer_) drain_timer_->cancel();
  stop_shards();
}

// The other shards run until their connections' coroutines have returned (their sockets are
// closed by now, or they were never open), then their threads are joined: within a bound, after
// which whatever is left is abandoned with the io_context (stop()).
void LmtpServer::stop_shards() {
  constexpr auto kBound = std::chrono::seconds(10);
  const auto until = std::chrono::steady_clock::now() + kBound;
  for (auto& sh : shards_) {
    if (!sh->thread.joinable()) continue;
    sh->keep_running.reset();
    while (!sh->finished && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!sh->finished) {
      spdlog::error("shutdown: an LMTP shard still busy after {}s: stopping it", kBound.count());
      sh->io.stop();
    }
    sh->thread.join();
  }
}

}  // namespace bounced
