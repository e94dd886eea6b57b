#pragma once
// The kernels' side of qlinear/threads.hpp: run_parallel(count, task) calls task(i) once for every
// i in [0, count), spread over the pool's threads, the calling thread among them, and returns when
// all have finished. The partition (partition.hpp) decides what an index means.
//
// Tasks must not throw (the kernels do not). A call made while the pool is busy (from a worker, or
// from a second application thread at the same time) runs its tasks on the calling thread: the
// results are the same, only slower.
#include <cstddef>
#include <string>
#include <type_traits>

namespace qlinear::kernels {

// How many threads this build can run, and why only one when so: 64, or 1 in a wasm module built
// without pthreads (the packaged modules, for now).
struct ThreadLimit {
  std::size_t count;
  std::string reason;  // empty unless count is 1
};
ThreadLimit build_thread_limit();

using TaskFn = void (*)(void* context, std::size_t index);

void run_parallel(std::size_t count, TaskFn task, void* context);

template <class F>
void run_parallel(std::size_t count, F&& task) {
  using Task = std::remove_reference_t<F>;
  run_parallel(
      count, [](void* context, std::size_t index) { (*static_cast<Task*>(context))(index); },
      const_cast<void*>(static_cast<const void*>(&task)));
}

}  // namespace qlinear::kernels
