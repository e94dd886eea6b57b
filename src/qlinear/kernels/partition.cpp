#include "qlinear/kernels/partition.hpp"

#include <atomic>

namespace qlinear::kernels {

namespace {
// About 5 us of int8 work at this machine's rates (25-35 GMAC/s a core), several times what waking
// a spinning worker costs: the tutorial's small models stay on one thread.
std::atomic<std::size_t> min_macs{std::size_t{1} << 17};
}  // namespace

std::size_t min_macs_per_thread() { return min_macs.load(std::memory_order_relaxed); }
void set_min_macs_per_thread(std::size_t macs) { min_macs.store(macs, std::memory_order_relaxed); }

RowPartition partition_rows(std::size_t rows, std::size_t macs_per_row, std::size_t quantum, std::size_t threads) {
  RowPartition p;
  p.rows = rows;
  p.block = rows;
  quantum = std::max<std::size_t>(quantum, 1);
  const std::size_t quanta = (rows + quantum - 1) / quantum;
  const std::size_t by_work = rows * std::max<std::size_t>(macs_per_row, 1) / std::max<std::size_t>(min_macs_per_thread(), 1);
  const std::size_t parts = std::min({threads, quanta, std::max<std::size_t>(by_work, 1)});
  if (parts <= 1) return p;
  p.block = (quanta + parts - 1) / parts * quantum;
  p.parts = (rows + p.block - 1) / p.block;
  return p;
}

}  // namespace qlinear::kernels
