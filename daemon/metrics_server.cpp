// metrics_server.cpp: see metrics_server.hpp. One io_context on one thread: the acceptor, the
// connections and the alert tick never race; the registry itself is thread-safe.
#include "metrics_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <ctime>

#include "store.hpp"

namespace bounced {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxHeaderBytes = 8192;
constexpr std::size_t kMaxBodyBytes = 4096;
constexpr int kMaxRequestsPerConnection = 100;
constexpr auto kWriteTimeout = std::chrono::seconds(10);
constexpr auto kTick = std::chrono::seconds(1);
constexpr std::int64_t kStoreRetrySeconds = 30;
// The store gauges are COUNT queries over whole tables: at most one refresh this often, however
// often (or by how many scrapers) /metrics is fetched.
constexpr auto kStoreRefresh = std::chrono::seconds(5);

std::int64_t steady_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

asio::ip::address listen_host(const std::string& host) {
  if (host == "localhost") return asio::ip::address_v4::loopback();
  if (host == "*") return asio::ip::address_v6::any();
  boost::system::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("metrics listen address '" + host + "' is not a numeric IP address");
  return a;
}

}  // namespace

struct MetricsService::Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
};

MetricsHttpResponse metrics_http_response(std::string_view method, std::string_view target, BounceMetrics& metrics) {
  MetricsHttpResponse r;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "not found: the metrics are at /metrics\n";
  } else if (method != "GET") {
    r.status = 405;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "only GET\n";
  } else {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.registry.render();
  }
  return r;
}

MetricsService::MetricsService(const MetricsConfig& config, BounceMetrics& metrics, MetricsServiceOptions options)
    : config_(config), metrics_(metrics), options_(std::move(options)) {}

MetricsService::~MetricsService() { stop(); }

void MetricsService::start() {
  if (config_.listen) {
    const auto& l = *config_.listen;
    tcp::endpoint ep(listen_host(l.host), l.port);
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    boost::system::error_code ec;
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen for metrics on " + l.text + ": " + ec.message());
    port_ = acceptor_->local_endpoint().port();
    spdlog::info("metrics at http://{}/metrics", l.text);
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }
  if (!options_.store_path.empty())
    metrics_.registry.add_collector([this] { collect_store(); });
  tick_ = std::make_unique<asio::steady_timer>(io_);
  asio::co_spawn(io_, tick_loop(), asio::detached);
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      spdlog::error("metrics: {}", e.what());
    }
  });
}

void MetricsService::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopping_ = true;
    boost::system::error_code ec;
    if (acceptor_) acceptor_->close(ec);
    if (tick_) tick_->cancel();
    for (auto& weak : conns_)
      if (auto c = weak.lock()) c->stream.socket().close(ec);
  });
  thread_.join();
  metrics_.registry.clear_collectors();
  // Everything ran to completion on the thread: no coroutine frame is left to outlive its objects.
  acceptor_.reset();
  tick_.reset();
  store_.reset();
}

awaitable<void> MetricsService::accept_loop() {
  asio::steady_timer backoff(io_);
  while (!stopping_) {
    tcp::socket socket(io_);
    boost::system::error_code ec;
    co_await acceptor_->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (stopping_ || ec == asio::error::operation_aborted) co_return;
    if (ec) {  // EMFILE and the like: wait instead of spinning
      spdlog::warn("metrics accept: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(200));
      co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if (open_ >= config_.max_connections) {
      socket.close(ec);  // over the limit: a scraper retries at its next interval
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

awaitable<void> MetricsService::serve(tcp::socket socket) {
  auto c = std::make_shared<Connection>(std::move(socket));
  ++open_;
  std::erase_if(conns_, [](const auto& w) { return w.expired(); });
  conns_.push_back(c);
  try {
    beast::flat_buffer buffer(kMaxHeaderBytes + kMaxBodyBytes);
    for (int n = 0; n < kMaxRequestsPerConnection && !stopping_; ++n) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(kMaxBodyBytes);
      c->stream.expires_after(config_.read_timeout);
      boost::system::error_code ec;
      co_await http::async_read(c->stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
          ec == asio::error::connection_reset || ec == asio::error::eof)
        break;
      http::response<http::string_body> res;
      bool keep_alive = false;
      if (ec) {  // malformed or too large: answer once and close
        res.result(ec == http::error::header_limit || ec == http::error::body_limit || ec == http::error::buffer_overflow
                       ? http::status::payload_too_large
                       : http::status::bad_request);
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "bad request\n";
      } else {
        const auto& req = parser.get();
        const auto r = metrics_http_response(std::string_view(req.method_string().data(), req.method_string().size()),
                                             std::string_view(req.target().data(), req.target().size()), metrics_);
        res.version(req.version());
        res.result(static_cast<http::status>(r.status));
        res.set(http::field::content_type, r.content_type);
        if (r.status == 405) res.set(http::field::allow, "GET");
        res.body() = r.body;
        keep_alive = req.keep_alive();
      }
      res.set(http::field::server, "bounced");
      res.keep_alive(keep_alive);
      res.prepare_payload();
      c->stream.expires_after(kWriteTimeout);
      co_await http::async_write(c->stream, res, asio::redirect_error(use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
  } catch (const std::exception& e) {
    spdlog::info("metrics connection: {}", e.what());
  }
  boost::system::error_code ignored;
  c->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  c->stream.socket().close(ignored);
  --open_;
}

awaitable<void> MetricsService::tick_loop() {
  while (!stopping_) {
    tick_->expires_after(kTick);
    boost::system::error_code ec;
    co_await tick_->async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping_) co_return;
    try {
      handle_alerts(static_cast<std::int64_t>(std::time(nullptr)));
    } catch (const std::exception& e) {
      spdlog::error("transient-failure alerts: {}", e.what());
    }
  }
}

void MetricsService::handle_alerts(std::int64_t now) {
  const auto transitions = metrics_.evaluate_alerts(now);
  const auto& cfg = metrics_.alert_config();
  for (const auto& a : transitions) {
    const auto group = metrics_.groups().name(a.group);
    if (a.kind == FailureAlert::Kind::alert) {
      spdlog::warn("transient failures for domain group {}: {} of {} results ({:.1f}%) in the last {}s, threshold "
                   "{:.1f}%: alert",
                   group, a.transient, a.total, a.share * 100, cfg.window_seconds, cfg.threshold * 100);
    } else {
      spdlog::warn("transient failures for domain group {}: {} of {} results ({:.1f}%), below {:.1f}%: resolved "
                   "(alerting for {}s)",
                   group, a.transient, a.total, a.share * 100, cfg.threshold * 100, a.time - a.since);
    }
    if (!options_.enqueue_event) continue;
    try {
      const auto rows = options_.enqueue_event(to_string(a.kind), metrics_.alert_payload(a));
      if (rows) spdlog::info("transient-failure {} for {} queued for {} action(s)", to_string(a.kind), group, rows);
    } catch (const std::exception& e) {
      spdlog::error("transient-failure {} for {}: cannot queue the event: {}", to_string(a.kind), group, e.what());
    }
  }
}

Store* MetricsService::store() {
  if (store_ || options_.store_path.empty()) return store_.get();
  if (steady_seconds() < store_retry_at_) return nullptr;
  try {
    SqliteOptions o;
    o.create = false;  // the sqlite sink creates it; this is a second connection to the same file
    store_ = open_sqlite_store(options_.store_path, o);
  } catch (const std::exception& e) {
    store_retry_at_ = steady_seconds() + kStoreRetrySeconds;
    spdlog::warn("metrics: cannot open the store {}: {}", options_.store_path.string(), e.what());
  }
  return store_.get();
}

void MetricsService::collect_store() {
  const auto now = std::chrono::steady_clock::now();
  if (store_collected_ != std::chrono::steady_clock::time_point{} && now - store_collected_ < kStoreRefresh) return;
  store_collected_ = now;
  try {
    Store* s = store();
    if (!s) return;
    const auto outbox = s->outbox_counts();
    metrics_.outbox_backlog.set(static_cast<double>(outbox.pending));
    const auto sup = s->suppression_counts();
    // Counters from the store's totals: monotonic as long as suppressions are never deleted.
    for (const auto& [kind, n] : sup.created) {
      auto& f = metrics_.suppressions;
      const auto i = f.index({kind});
      if (static_cast<std::uint64_t>(n) > f.value(i)) f.inc(i, static_cast<std::uint64_t>(n) - f.value(i));
      else f.touch(i);
    }
    for (const auto& [kind, n] : sup.active) metrics_.suppressions_active.set(metrics_.suppressions_active.index({kind}), static_cast<double>(n));
    auto& lifts = metrics_.suppression_lifts;
    if (static_cast<std::uint64_t>(sup.lifted) > lifts.value()) lifts.inc(0, static_cast<std::uint64_t>(sup.lifted) - lifts.value());
    else lifts.touch(0);
  } catch (const std::exception& e) {
    spdlog::warn("metrics: reading the store: {}", e.what());
    store_.reset();
    store_retry_at_ = steady_seconds() + kStoreRetrySeconds;
  }
}

}  // namespace bounced
