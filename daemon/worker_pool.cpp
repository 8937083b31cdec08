// worker_pool.cpp: see worker_pool.hpp.
#include "worker_pool.hpp"

#include <algorithm>
#include <thread>

namespace bounced {

std::size_t WorkerPool::resolve_threads(std::size_t configured) {
  if (configured > 0) return configured;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

WorkerPool::WorkerPool(asio::io_context& io, std::size_t threads, std::size_t max_admitted)
    : io_(io),
      threads_(resolve_threads(threads)),
      max_admitted_(std::max<std::size_t>(1, max_admitted)),
      pool_(threads_) {}

WorkerPool::~WorkerPool() {
  // Admitted jobs run to the end (their completions are posted to the io_context, which the daemon
  // runs before destroying us); jobs still waiting are dropped with their handlers.
  pool_.join();
  waiting_.clear();
}

void WorkerPool::admit(std::unique_ptr<JobBase> job) {
  if (admitted_ < max_admitted_) start(std::move(job));
  else waiting_.push_back(std::move(job));
}

void WorkerPool::start(std::unique_ptr<JobBase> job) {
  if (admitted_++ == 0) work_.emplace(io_.get_executor());
  asio::post(pool_, [this, job = std::move(job)]() mutable {
    job->run();
    asio::post(io_, [this, job = std::move(job)]() mutable { finished(std::move(job)); });
  });
}

void WorkerPool::finished(std::unique_ptr<JobBase> job) {
  --admitted_;
  if (!waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    start(std::move(next));
  }
  if (admitted_ == 0) work_.reset();
  job->complete();  // last: it may resume a coroutine that submits the next job
}

}  // namespace bounced
