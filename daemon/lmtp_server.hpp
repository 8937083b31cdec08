// lmtp_server.hpp: LMTP listeners (TCP and Unix sockets, or sockets passed by systemd) and one
// coroutine per connection driving an LmtpSession. Replies are batched: everything answerable
// from the bytes at hand is written at once (pipelining). Every read has a deadline. Connections
// are spread over `workers` shards, each an io_context on a thread of its own (shard 0 is the
// daemon's own io_context), and each completed message is hashed and parsed on its connection's
// shard: no hand-off to another thread and back per message. Parsed messages go to the commit
// queue in one batch per shard loop iteration; the 250s are sent only when it reports them durable.
#pragma once
#include <atomic>
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

namespace bounced {

class LmtpServer {
 public:
  // `commit` is null in null mode. Connections are served on `workers` shards (auto: one per
  // core): the first is `io` (its thread is the caller's), the others get a thread each.
  LmtpServer(asio::io_context& io, CommitQueue* commit, const Config& config);
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
  // each connection's coroutines finish once the io_context runs again; the other shards finish
  // theirs and their threads are joined (bounded).
  void close();

  std::size_t shards() const { return shards_.size(); }

  std::size_t connections() const { return live_; }
  std::uint64_t accepted() const { return accepted_; }

  struct Connection;
  struct Shard;

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
  void queue_commit(Shard& shard, CommitRequest req);
  void stop_shards();

  asio::io_context& io_;
  CommitQueue* commit_;  // null in null mode
  LmtpLimits limits_;
  std::string hostname_;
  std::size_t max_connections_;
  unsigned unix_mode_ = 0660;
  std::vector<Listener> listeners_;
  bool started_ = false;
  bool socket_activated_ = false;
  std::list<std::weak_ptr<Connection>> conns_;
  std::size_t live_ = 0;  // these three on io_'s thread only
  std::uint64_t accepted_ = 0;
  std::size_t next_shard_ = 0;
  std::atomic<bool> draining_{false};  // read by every shard
  std::function<void()> on_drained_;
  std::unique_ptr<asio::steady_timer> drain_timer_;
  std::vector<std::unique_ptr<Shard>> shards_;  // last: its threads stop before the rest goes
};

}  // namespace bounced
