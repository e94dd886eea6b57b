#pragma once
// How a layer's work is cut for the thread pool: its output rows (weight rows) into one block per
// thread, each a multiple of the kernel's row tile (`quantum`) so that every block runs the same
// tiles the single-threaded loop runs on those rows, and each thread streams its own weights.
// Activations are packed once, before, by the calling thread; the blocks only read them. A layer
// with too little work for two threads stays on the calling thread (min_macs_per_thread).
#include <algorithm>
#include <cstddef>

#include "qlinear/kernels/thread_pool.hpp"
#include "qlinear/threads.hpp"

namespace qlinear::kernels {

struct RowPartition {
  std::size_t rows = 0;
  std::size_t block = 0;  // rows per part, a multiple of the quantum; the last part may be shorter
  std::size_t parts = 1;
  std::size_t begin(std::size_t part) const { return std::min(rows, part * block); }
  std::size_t end(std::size_t part) const { return std::min(rows, (part + 1) * block); }
};

// rows output rows costing macs_per_row multiply-adds each, over at most `threads` parts.
RowPartition partition_rows(std::size_t rows, std::size_t macs_per_row, std::size_t quantum, std::size_t threads);

// What one element of an elementwise pass (min/max, quantize, an activation function, a float
// conversion) weighs in the multiply-adds min_macs_per_thread() counts: natively 0.1-0.2 ns an
// element against 150 GMAC/s of AVX-512 VNNI, in wasm about 0.3 ns against 30 GMAC/s.
constexpr std::size_t kMacsPerElement = 16;

// The least work (multiply-adds) worth waking a worker for; tests lower it to run tiny layers
// threaded.
std::size_t min_macs_per_thread();
void set_min_macs_per_thread(std::size_t macs);

// f(j0, j1) for every part of partition_rows(rows, macs_per_row, quantum, threads()), in parallel.
template <class F>
void for_each_row_block(std::size_t rows, std::size_t macs_per_row, std::size_t quantum, F&& f) {
  const RowPartition p = partition_rows(rows, macs_per_row, quantum, threads());
  if (p.parts <= 1) {
    f(std::size_t{0}, rows);
    return;
  }
  run_parallel(p.parts, [&](std::size_t part) { f(p.begin(part), p.end(part)); });
}

}  // namespace qlinear::kernels
