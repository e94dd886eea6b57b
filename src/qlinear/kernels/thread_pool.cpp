// The process's one thread pool (qlinear/threads.hpp, kernels/thread_pool.hpp). Workers are
// started by set_threads() and kept: starting a thread costs far more than a layer (milliseconds
// for a Web Worker). Between jobs a worker spins briefly on the job counter, so that a model's
// layers, run back to back, find it awake, then sleeps on a condition variable. A job ends when
// every worker has checked in, so that the next one can reuse the same fields.
#include "qlinear/kernels/thread_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "qlinear/error.hpp"
#include "qlinear/threads.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace qlinear {

namespace {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr std::size_t kMaxThreads = 1;
#elif defined(__EMSCRIPTEN__)
// The workers Emscripten starts with the module (-sPTHREAD_POOL_SIZE, bindings/CMakeLists.txt),
// plus the calling thread: a thread beyond the pool would need a Worker loaded from the event
// loop, which a blocked caller never returns to.
constexpr std::size_t kMaxThreads = QLINEAR_WASM_PTHREAD_POOL_SIZE + 1;
#else
constexpr std::size_t kMaxThreads = 64;
#endif

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

  std::size_t size() const { return workers_.size() + 1; }

  void resize(std::size_t threads) {
    acquire();
    stop_workers();
    stop_ = false;
    try {
      // A worker starts from the generation as it is now, not as it is when its thread first
      // runs: a job published in between is one it must take part in.
      const std::uint64_t now = generation_.load(std::memory_order_relaxed);
      for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this, now] { work(now); });
    } catch (...) {
      stop_workers();
      release();
      throw;
    }
    release();
  }

  // False (and nothing run) when the pool has no workers or is running another job.
  bool try_run(std::size_t count, kernels::TaskFn task, void* context) {
    if (busy_.exchange(true, std::memory_order_acquire)) return false;
    if (workers_.empty()) {
      release();
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = task;
      context_ = context;
      count_ = count;
      next_.store(0, std::memory_order_relaxed);
      pending_.store(workers_.size(), std::memory_order_relaxed);
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

  void work(std::uint64_t seen) {
    for (;;) {
      for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      drain();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Under the mutex, so that the caller cannot test pending_ and then sleep past this.
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  bool stop_ = false;
  std::atomic<std::uint64_t> generation_{0};
  // The job: written under mutex_ before generation_ moves, read by workers after they see it move.
  kernels::TaskFn task_ = nullptr;
  void* context_ = nullptr;
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> pending_{0};  // workers yet to finish the job
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

std::size_t max_threads() { return kMaxThreads; }

std::string threads_unavailable_reason() {
  return kMaxThreads > 1 ? std::string() : std::string("this build has no threads (a WebAssembly module built without pthreads)");
}

void set_threads(std::size_t count) {
  if (count == 0 || count > kMaxThreads)
    throw Error("threads: " + std::to_string(count) + " is not between 1 and " + std::to_string(kMaxThreads) +
                (kMaxThreads == 1 ? " (" + threads_unavailable_reason() + ")" : std::string(", this build's limit")));
  if (count != pool().size()) pool().resize(count);
}

std::size_t threads() { return pool().size(); }

namespace kernels {

void run_parallel(std::size_t count, TaskFn task, void* context) {
  if (count > 1 && pool().try_run(count, task, context)) return;
  for (std::size_t i = 0; i < count; ++i) task(context, i);
}

}  // namespace kernels

}  // namespace qlinear
