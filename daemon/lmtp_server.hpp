// lmtp_server.hpp: LMTP listeners (TCP and Unix sockets, or sockets passed by systemd) and one
// coroutine per connection driving an LmtpSession. Replies are batched: everything answerable
// from the bytes at hand is written at once (pipelining). Every read has a deadline. Completed
// messages are hashed and parsed on the worker pool (the I/O thread only moves bytes), then go
// through the commit queue; the 250s are sent only when it reports them durable.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "asio.hpp"
#include "commit_queue.hpp"
#include "config.hpp"
#include "lmtp_session.hpp"
#include "worker_pool.hpp"

namespace bounced {

class LmtpServer {
 public:
  // `commit` and `workers` are null in null mode.
  LmtpServer(asio::io_context& io, CommitQueue* commit, WorkerPool* workers, const Config& config);
  ~LmtpServer();

  // Binds the configured listeners (throws). Unix socket files are replaced if stale.
  void listen(const std::vector<ListenAddress>& addresses);
  // Adopts sockets passed by systemd (LISTEN_FDS).
  void adopt(int fd);
  void start();
  // SIGHUP: closes the listeners no longer configured, binds the new ones (a failure is logged and
  // that address skipped). Sockets passed by systemd are kept as they are. Open connections stay.
  void set_listeners(const std::vector<ListenAddress>& addresses);
  bool socket_activated() const { return socket_activated_; }
  // Settings a reload may change (limits, timeouts, null mode); new and open sessions use them.
  void apply(const Config& config);
  // SIGTERM: close listeners, end idle sessions with 421, let open transactions finish; after
  // `bound` force-close everything. `on_done` runs once no connection is left.
  void drain(std::chrono::steady_clock::duration bound, std::function<void()> on_done);

  // The end of the shutdown: closes the listeners and every connection's socket and timers, so
  // each connection's coroutines finish once the io_context runs again.
  void close();

  std::size_t connections() const { return live_; }
  std::uint64_t accepted() const { return accepted_; }

  struct Connection;

 private:
  struct Listener {
    std::string key;        // "tcp:HOST:PORT", "unix:PATH" or "fd:N"
    std::string unix_path;  // to unlink when closed
    std::shared_ptr<StreamAcceptor> acceptor;  // shared with its accept loop
  };
  Listener open_listener(const ListenAddress& a);
  void close_listener(Listener& l);
  awaitable<void> accept_loop(std::shared_ptr<StreamAcceptor> acceptor);
  awaitable<void> serve(std::shared_ptr<Connection> c);
  awaitable<void> watchdog(std::shared_ptr<Connection> c);
  awaitable<bool> flush(Connection& c);
  awaitable<void> commit_message(Connection& c);
  void connection_closed(Connection& c);

  asio::io_context& io_;
  CommitQueue* commit_;  // null in null mode
  WorkerPool* workers_;  // null in null mode
  LmtpLimits limits_;
  std::string hostname_;
  std::chrono::seconds idle_timeout_, command_timeout_, commit_timeout_;
  std::size_t max_connections_;
  unsigned unix_mode_ = 0660;
  bool null_mode_;
  std::vector<Listener> listeners_;
  bool started_ = false;
  bool socket_activated_ = false;
  std::list<std::weak_ptr<Connection>> conns_;
  std::size_t live_ = 0;
  std::uint64_t accepted_ = 0;
  bool draining_ = false;
  std::function<void()> on_drained_;
  std::unique_ptr<asio::steady_timer> drain_timer_;
};

}  // namespace bounced
