// worker_pool_test.cpp: the daemon's worker pool: results come back on the I/O thread, at most
// max_admitted jobs are on the workers at once and the rest are admitted in submission order, a
// job's exception reaches the awaiting coroutine, and a pending job keeps the io_context running
// until its completion has run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "worker_pool.hpp"

namespace bounced {
namespace {

TEST(WorkerPool, CompletesOnTheIoThreadWithTheResult) {
  asio::io_context io(1);
  WorkerPool pool(io, 2, 8);
  const auto io_thread = std::this_thread::get_id();
  std::vector<int> results;
  std::atomic<int> off_io_thread{0};
  for (int i = 0; i < 20; ++i)
    pool.async_run(
        [i, io_thread, &off_io_thread] {
          if (std::this_thread::get_id() != io_thread) ++off_io_thread;
          return std::to_string(i * i);
        },
        [&, io_thread](std::exception_ptr e, std::string r) {
          EXPECT_FALSE(e);
          EXPECT_EQ(std::this_thread::get_id(), io_thread);
          results.push_back(std::stoi(r));
        });
  io.run();  // returns only once every completion has run: the pool holds work meanwhile
  ASSERT_EQ(results.size(), 20u);
  EXPECT_EQ(off_io_thread.load(), 20);
  std::sort(results.begin(), results.end());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(results[static_cast<std::size_t>(i)], i * i);
  EXPECT_EQ(pool.admitted(), 0u);
  EXPECT_EQ(pool.waiting(), 0u);
}

TEST(WorkerPool, AdmitsAtMostTheBoundAndInSubmissionOrder) {
  asio::io_context io(1);
  WorkerPool pool(io, 4, 2);  // more threads than admitted jobs: the bound is what limits
  std::atomic<int> running{0}, most{0};
  std::mutex mu;
  std::vector<int> started;
  std::size_t most_waiting = 0;
  for (int i = 0; i < 12; ++i) {
    pool.async_run(
        [&, i] {
          {
            std::lock_guard lk(mu);
            started.push_back(i);
          }
          const int now = ++running;
          for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(3));
          --running;
          return i;
        },
        [](std::exception_ptr, int) {});
    most_waiting = std::max(most_waiting, pool.waiting());
    EXPECT_LE(pool.admitted(), 2u);
  }
  EXPECT_EQ(most_waiting, 10u);
  io.run();
  EXPECT_LE(most.load(), 2);
  ASSERT_EQ(started.size(), 12u);
  // Admitted in order, two at a time: a job starts at most one place away from its own.
  for (std::size_t k = 0; k < started.size(); ++k) {
    EXPECT_GE(started[k], static_cast<int>(k) - 1) << k;
    EXPECT_LE(started[k], static_cast<int>(k) + 1) << k;
  }
}

TEST(WorkerPool, CoroutineGetsTheResultOrTheException) {
  asio::io_context io(1);
  WorkerPool pool(io, 1, 1);
  std::string got;
  std::string error;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        auto a = pool.async_run([] { return std::string("parsed"); }, use_awaitable);
        got = co_await std::move(a);
        try {
          auto b = pool.async_run([]() -> int { throw std::runtime_error("no memory"); }, use_awaitable);
          co_await std::move(b);
        } catch (const std::exception& e) {
          error = e.what();
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(got, "parsed");
  EXPECT_EQ(error, "no memory");
}

TEST(WorkerPool, ResolvesAutoToTheCores) {
  EXPECT_GE(WorkerPool::resolve_threads(0), 1u);
  EXPECT_EQ(WorkerPool::resolve_threads(3), 3u);
}

}  // namespace
}  // namespace bounced
