// lmtp_server.cpp: see lmtp_server.hpp. The io_context runs on one thread: connections, the
// watchdogs and the commit completions (posted back from the writer thread) never race.
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

#include "bounce_metrics.hpp"
#include "file_util.hpp"
#include "message_intake.hpp"

namespace bounced {

using Clock = std::chrono::steady_clock;

struct LmtpServer::Connection {
  Connection(asio::io_context& io, StreamSocket s, LmtpLimits limits, std::string hostname)
      : socket(std::move(s)), timer(io), session(limits, std::move(hostname)) {}
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

LmtpServer::LmtpServer(asio::io_context& io, CommitQueue* commit, WorkerPool* workers, const Config& config)
    : io_(io), commit_(commit), workers_(workers) {
  apply(config);
}

LmtpServer::~LmtpServer() {
  for (auto& l : listeners_) close_listener(l);
}

void LmtpServer::apply(const Config& config) {
  limits_ = limits_from(config.lmtp);
  hostname_ = config.lmtp.hostname.empty() ? local_hostname() : config.lmtp.hostname;
  idle_timeout_ = config.lmtp.idle_timeout;
  command_timeout_ = config.lmtp.command_timeout;
  commit_timeout_ = config.lmtp.commit_timeout;
  max_connections_ = config.lmtp.max_connections;
  unix_mode_ = config.lmtp.unix_socket_mode;
  null_mode_ = config.null_mode || commit_ == nullptr || workers_ == nullptr;
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
    auto c = std::make_shared<Connection>(io_, std::move(socket), limits_, hostname_);
    ++accepted_;
    if (auto* m = metrics()) {
      m->lmtp_connections.inc(0);
      m->lmtp_open.add(1);
    }
    c->over_limit = live_ >= max_connections_;
    ++live_;
    conns_.push_front(c);
    c->self = conns_.begin();
    asio::co_spawn(io_, serve(c), asio::detached);
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
  if (null_mode_) {
    c.session.message().clear();
    c.session.complete_message(LmtpSession::Outcome::stored, "null", c.out);
    co_return;
  }
  struct Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::optional<CommitResult> result;
  };
  // Hashing and parsing happen on a worker; the message moves there and back (no copy). The
  // watchdog allows for that time too.
  set_deadline(c, Clock::now() + commit_timeout_ + std::chrono::seconds(5));
  // Named, not temporaries in the co_await expression: g++ 12 mishandles those across a suspension.
  auto prepare = [key = commit_->hash_key(), raw = std::move(c.session.message()), from = c.session.mail_from(),
                  rcpts = c.session.recipients()]() mutable {
    CommitRequest r = prepare_message(key, std::move(raw), {}, std::move(from), rcpts.empty() ? std::string() : rcpts.front());
    if (rcpts.size() > 1) r.record->envelope_recipients = std::move(rcpts);  // attributed one by one (sqlite sink)
    return r;
  };
  auto prepared = workers_->async_run(std::move(prepare), use_awaitable);
  CommitRequest req = co_await std::move(prepared);
  auto w = std::make_shared<Waiter>(io_);
  const std::string id = req.record->hash.hex().substr(0, 16);
  req.done = [w, &io = io_](const CommitResult& r) {
    asio::post(io, [w, r] {
      w->result = r;
      w->timer.cancel();
    });
  };
  commit_->submit(std::move(req));
  w->timer.expires_after(commit_timeout_);
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

awaitable<void> LmtpServer::serve(std::shared_ptr<Connection> c) {
  try {
    c->deadline = Clock::now() + kWriteTimeout;
    asio::co_spawn(io_, watchdog(c), asio::detached);
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
      set_deadline(*c, Clock::now() + (in_txn ? command_timeout_ : idle_timeout_));
      c->reading_idle = !in_txn && c->in_len == 0;
      if (c->in.size() < c->in_len + kReadChunk) c->in.resize(c->in_len + kReadChunk);
      boost::system::error_code ec;
      const std::size_t n = co_await c->socket.async_read_some(asio::buffer(c->in.data() + c->in_len, kReadChunk),
                                                               asio::redirect_error(use_awaitable, ec));
      c->in_len += n;
      c->reading_idle = false;
      if (!ec) continue;
      if (c->timed_out) {
        c->session.abort("421 4.4.2 " + hostname_ + " Timeout, closing connection", c->out);
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
  conns_.erase(c.self);
  --live_;
  if (auto* m = metrics()) m->lmtp_open.add(-1);
  if (draining_ && live_ == 0 && on_drained_) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    if (drain_timer_) drain_timer_->cancel();
    asio::post(io_, std::move(done));
  }
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
  for (auto& weak : conns_)
    if (auto c = weak.lock(); c && c->reading_idle) c->socket.cancel(ec);
  drain_timer_ = std::make_unique<asio::steady_timer>(io_);
  drain_timer_->expires_after(bound);
  drain_timer_->async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    spdlog::warn("shutdown: {} connections still open after the drain bound: closing them", live_);
    boost::system::error_code ignored;
    for (auto& weak : conns_)
      if (auto c = weak.lock()) c->socket.close(ignored);
  });
}

void LmtpServer::close() {
  draining_ = true;
  boost::system::error_code ec;
  for (auto& l : listeners_) close_listener(l);
  for (auto& weak : conns_) {
    if (auto c = weak.lock()) {
      c->socket.close(ec);
      c->timer.cancel();
    }
  }
  if (drain_timer_) drain_timer_->cancel();
}

}  // namespace bounced
