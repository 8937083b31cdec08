// metrics_server.hpp: the monitoring side of `bounced serve`, on a thread of its own so a scrape
// or a slow store query never delays LMTP: the HTTP endpoint (Boost.Beast; GET /metrics in the
// Prometheus text format 0.0.4, 404 elsewhere; bounded requests, read deadlines, a connection
// limit), the store-backed gauges (outbox backlog, suppressions) refreshed at each scrape, and a
// once-a-second tick that evaluates the transient-failure alerts: a warning in the log and an
// `alert` / `resolved` event queued in the store's outbox for every action target.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "asio.hpp"
#include "bounce_metrics.hpp"
#include "config.hpp"

namespace bounced {

class Store;

struct MetricsServiceOptions {
  std::filesystem::path store_path;  // the sqlite sink's file ("" = no store): the store gauges
  // Queues an "alert" / "resolved" event for the actions that take it (OutboxWorker::enqueue_event);
  // returns the rows queued. Unset: alerts are only logged.
  std::function<std::size_t(std::string_view event, std::string_view payload)> enqueue_event;
};

class MetricsService {
 public:
  MetricsService(const MetricsConfig& config, BounceMetrics& metrics, MetricsServiceOptions options);
  ~MetricsService();
  MetricsService(const MetricsService&) = delete;
  MetricsService& operator=(const MetricsService&) = delete;

  // Binds the listener (throws when it cannot) and starts the thread.
  void start();
  // Stops accepting, closes connections, joins the thread. Idempotent.
  void stop();
  // The bound TCP port (after start; 0 without an endpoint).
  std::uint16_t port() const { return port_; }

  struct Connection;

 private:
  awaitable<void> accept_loop();
  awaitable<void> serve(asio::ip::tcp::socket socket);
  awaitable<void> tick_loop();
  void collect_store();
  void handle_alerts(std::int64_t now);
  Store* store();

  MetricsConfig config_;
  BounceMetrics& metrics_;
  MetricsServiceOptions options_;
  asio::io_context io_{1};
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> tick_;
  std::vector<std::weak_ptr<Connection>> conns_;
  std::size_t open_ = 0;
  std::uint16_t port_ = 0;
  std::thread thread_;
  bool stopping_ = false;
  std::unique_ptr<Store> store_;
  std::int64_t store_retry_at_ = 0;  // steady seconds: when to try opening the store again
  std::chrono::steady_clock::time_point store_collected_{};  // last refresh of the store gauges
};

// The HTTP answer for one request target, without the transport: status, content type, body.
struct MetricsHttpResponse {
  int status = 200;
  std::string content_type, body;
};
MetricsHttpResponse metrics_http_response(std::string_view method, std::string_view target, BounceMetrics& metrics);

}  // namespace bounced
