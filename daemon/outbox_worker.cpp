// outbox_worker.cpp: see outbox_worker.hpp.
#include "asio.hpp"  // first: <utility> before the awaitable headers

#include "outbox_worker.hpp"

#include <spdlog/spdlog.h>

#include <ctime>
#include <exception>

namespace bounced {

struct OutboxWorker::Loop {
  asio::io_context io{1};
  asio::steady_timer timer{io};
  bool woken = false;     // touched on the worker thread only
  bool stopping = false;  // ditto
};

OutboxWorker::OutboxWorker(std::filesystem::path store_path, const HygieneConfig& hygiene)
    : path_(std::move(store_path)), targets_(hygiene.outbox_targets()), config_(hygiene.outbox),
      loop_(std::make_unique<Loop>()) {
  for (const auto& a : hygiene.actions) actions_.emplace(a.name, a.target);
}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::start() {
  if (thread_.joinable()) return;
  SqliteOptions o;
  o.create = true;
  store_ = open_sqlite_store(path_, o);
  Loop& l = *loop_;
  asio::co_spawn(
      l.io,
      [this, &l]() -> awaitable<void> {
        for (;;) {
          std::size_t handled = 0;
          try {
            const auto now = static_cast<std::int64_t>(std::time(nullptr));
            const auto run = deliver_due(*store_, actions_, now, config_.batch,
                                         RetryPolicy{config_.retry_first.count(), config_.retry_max.count()});
            handled = static_cast<std::size_t>(run.delivered + run.retried + run.unknown_target);
            stats_.delivered += static_cast<std::uint64_t>(run.delivered);
            stats_.retried += static_cast<std::uint64_t>(run.retried + run.unknown_target);
            if (run.delivered || run.retried || run.unknown_target)
              spdlog::info("outbox: {} delivered, {} to retry later{}", run.delivered, run.retried + run.unknown_target,
                           run.unknown_target ? " (some name an action that is not configured)" : "");
          } catch (const std::exception& e) {
            ++stats_.errors;
            spdlog::error("outbox: {}", e.what());
          }
          if (l.stopping) co_return;
          if (handled >= config_.batch) continue;  // more may be due: no pause
          if (l.woken) {
            l.woken = false;
            continue;
          }
          l.timer.expires_after(config_.poll);
          boost::system::error_code ec;
          co_await l.timer.async_wait(asio::redirect_error(use_awaitable, ec));
          if (l.stopping) co_return;
          l.woken = false;
        }
      },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          spdlog::critical("outbox worker stopped: {}", x.what());
        }
      });
  thread_ = std::thread([&l] { l.io.run(); });
  spdlog::info("outbox: delivering to {} action(s) from {}", actions_.size(), path_.string());
}

void OutboxWorker::wake() {
  Loop& l = *loop_;
  asio::post(l.io, [&l] {
    l.woken = true;
    l.timer.cancel();
  });
}

void OutboxWorker::stop() {
  if (!thread_.joinable()) return;
  Loop& l = *loop_;
  asio::post(l.io, [&l] {
    l.stopping = true;
    l.timer.cancel();
  });
  thread_.join();
  // The coroutine has returned; nothing of it is left in the io_context.
}

std::size_t OutboxWorker::enqueue_event(std::string_view event, std::string_view payload) {
  if (!store_) throw StoreError("outbox: the worker is not started");
  std::vector<std::string> names;
  for (const auto& t : targets_)
    if (t.wants(event)) names.push_back(t.name);
  if (names.empty()) return 0;
  store_->enqueue_event(event, payload, names, static_cast<std::int64_t>(std::time(nullptr)));
  wake();
  return names.size();
}

OutboxCounts OutboxWorker::counts() {
  if (!store_) return {};
  return store_->outbox_counts();
}

}  // namespace bounced
