// worker_pool.hpp: a small pool of threads for the CPU work on the daemon's message path (hashing,
// parsing, building the record), so the single I/O thread only moves bytes. Jobs are started from
// the I/O thread with async_run() (a coroutine co_awaits it with use_awaitable; a callback works
// too) and complete back on the I/O thread, where they were started from.
// Bounded: at most `max_admitted` jobs are queued or running on the workers at once; later ones
// wait on the I/O side, first come first served. Every submitter holds at most a fixed number of
// jobs (an LMTP connection one: it reads nothing more until that message is answered; a Maildir
// watcher its in-flight limit), so nothing grows without bound.
// While a job is admitted the io_context keeps work (its completion is never lost to a stopped
// loop); the destructor waits for the admitted jobs, whose completions must then still run (the
// daemon destroys the pool after its last io_context run and before the io_context).
#pragma once
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>

#include "asio.hpp"

namespace bounced {

class WorkerPool {
 public:
  // threads == 0: one per core.
  WorkerPool(asio::io_context& io, std::size_t threads, std::size_t max_admitted);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs fn() on a worker; then the handler gets (exception_ptr, result) on its associated
  // executor (default: the io_context). With use_awaitable, co_await returns the result or
  // rethrows. The result type must be default-constructible. Call on the I/O thread only.
  template <class Fn, class Token>
  auto async_run(Fn fn, Token&& token) {
    using Result = std::invoke_result_t<Fn&>;
    return asio::async_initiate<Token, void(std::exception_ptr, Result)>(
        [this](auto handler, Fn f) {
          admit(std::make_unique<Job<Fn, Result, std::decay_t<decltype(handler)>>>(std::move(f), std::move(handler),
                                                                                   io_.get_executor()));
        },
        token, std::move(fn));
  }

  std::size_t threads() const { return threads_; }
  std::size_t max_admitted() const { return max_admitted_; }
  std::size_t admitted() const { return admitted_; }       // queued or running on the workers
  std::size_t waiting() const { return waiting_.size(); }  // not yet admitted

  // How many workers `configured` means (0 = one per core, at least 1).
  static std::size_t resolve_threads(std::size_t configured);

 private:
  struct JobBase {
    virtual ~JobBase() = default;
    virtual void run() noexcept = 0;  // on a worker
    virtual void complete() = 0;      // on the I/O thread
  };
  template <class Fn, class Result, class Handler>
  struct Job final : JobBase {
    Job(Fn f, Handler h, asio::io_context::executor_type io) : fn(std::move(f)), handler(std::move(h)), io_ex(io) {}
    void run() noexcept override {
      try {
        result = fn();
      } catch (...) {
        error = std::current_exception();
      }
    }
    void complete() override {
      auto ex = asio::get_associated_executor(handler, io_ex);
      asio::dispatch(ex, [h = std::move(handler), e = error, r = std::move(result)]() mutable {
        std::move(h)(e, std::move(r));
      });
    }
    Fn fn;
    Handler handler;
    asio::io_context::executor_type io_ex;
    std::exception_ptr error;
    Result result{};
  };

  void admit(std::unique_ptr<JobBase> job);
  void start(std::unique_ptr<JobBase> job);
  void finished(std::unique_ptr<JobBase> job);

  asio::io_context& io_;
  std::size_t threads_;
  std::size_t max_admitted_;
  asio::thread_pool pool_;
  // I/O thread only:
  std::size_t admitted_ = 0;
  std::deque<std::unique_ptr<JobBase>> waiting_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;  // while admitted_ > 0
};

}  // namespace bounced
