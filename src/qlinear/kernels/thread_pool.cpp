// The process's one thread pool (qlinear/threads.hpp, kernels/thread_pool.hpp). Workers are
// started by set_threads() and kept: starting a thread costs far more than a layer (milliseconds
// for a Web Worker), and in a browser a stopped one would not come back (see Pool::resize).
// Between jobs a worker spins briefly on the job counter, so that a model's layers, run back to
// back, find it awake, then sleeps on a condition variable. A job ends when
// every worker has checked in, so that the next one can reuse the same fields.
#include "qlinear/kernels/thread_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "qlinear/error.hpp"
#include "qlinear/threads.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace qlinear {

namespace {

// Spin iterations before a waiting thread sleeps: long enough to bridge the gap between one
// layer's job and the next (the activation quantization in between), short enough not to burn a
// core for an idle model: about 0.1-0.3 ms (a pause is 40-140 cycles on x86; wasm has none).
#if defined(__x86_64__) || defined(__i386__)
constexpr int kSpins = 1 << 12;
#else
constexpr int kSpins = 1 << 16;
#endif

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

class Pool {
 public:
  ~Pool() { stop_workers(); }

  std::size_t size() const { return active_ + 1; }

  // Workers are started on demand and never stopped before the process ends: fewer threads park
  // the rest. (In a browser a thread's exit is only noticed from the event loop, which a caller
  // blocked in a forward pass never returns to, so a stopped worker would not come back.)
  void resize(std::size_t threads) {
    acquire();
    try {
      // A worker starts from the generation as it is now, not as it is when its thread first
      // runs: a job published in between is one it must take part in.
      const std::uint64_t now = generation_.load(std::memory_order_relaxed);
      while (workers_.size() + 1 < threads) {
        const std::size_t index = workers_.size();
        workers_.emplace_back([this, index, now] { work(index, now); });
      }
    } catch (const std::system_error& e) {
      release();
      throw Error("threads: could not start thread " + std::to_string(workers_.size() + 2) + " of " +
                  std::to_string(threads) + " (" + e.what() + ")");
    } catch (...) {
      release();
      throw;
    }
    active_ = threads - 1;
    release();
  }

  // False (and nothing run) when the pool has no active workers or is running another job.
  bool try_run(std::size_t count, kernels::TaskFn task, void* context) {
    if (busy_.exchange(true, std::memory_order_acquire)) return false;
    if (active_ == 0) {
      release();
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = task;
      context_ = context;
      count_ = count;
      participants_ = active_;
      next_.store(0, std::memory_order_relaxed);
      pending_.store(active_, std::memory_order_relaxed);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    wake_.notify_all();
    drain();
    for (int i = 0; i < kSpins && pending_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    release();
    return true;
  }

 private:
  void acquire() {
    while (busy_.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
  }
  void release() { busy_.store(false, std::memory_order_release); }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  void drain() {
    for (std::size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < count_;) task_(context_, i);
  }

  void work(std::size_t index, std::uint64_t seen) {
    for (;;) {
      for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      bool participate;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        participate = index < participants_;
      }
      if (!participate) continue;  // parked: fewer threads than workers
      drain();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Under the mutex, so that the caller cannot test pending_ and then sleep past this.
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::size_t active_ = 0;  // workers taking part in jobs (threads() − 1); changed only while busy_
  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  bool stop_ = false;
  std::atomic<std::uint64_t> generation_{0};
  // The job: written under mutex_ before generation_ moves, read by workers after they see it move.
  kernels::TaskFn task_ = nullptr;
  void* context_ = nullptr;
  std::size_t count_ = 0;
  std::size_t participants_ = 0;  // workers 0 .. participants_ − 1 take part
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> pending_{0};  // participants yet to finish the job
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

std::size_t max_threads() { return kernels::build_thread_limit().count; }

std::string threads_unavailable_reason() { return kernels::build_thread_limit().reason; }

void set_threads(std::size_t count) {
  const kernels::ThreadLimit limit = kernels::build_thread_limit();
  if (count == 0 || count > limit.count)
    throw Error("threads: " + std::to_string(count) + " is not between 1 and " + std::to_string(limit.count) +
                (limit.count == 1 ? " (" + limit.reason + ")" : std::string(", this build's limit")));
  if (count != pool().size()) pool().resize(count);
}

std::size_t threads() { return pool().size(); }

namespace kernels {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
ThreadLimit build_thread_limit() { return {1, "this WebAssembly module is built without threads"}; }
#else
ThreadLimit build_thread_limit() { return {64, ""}; }
#endif

void run_parallel(std::size_t count, TaskFn task, void* context) {
  if (count > 1 && pool().try_run(count, task, context)) return;
  for (std::size_t i = 0; i < count; ++i) task(context, i);
}

}  // namespace kernels

}  // namespace qlinear
