// Every float operation in this file is one ATen float32 operation, rounded on its own (compiled
// with -ffp-contract=off: see histogram_observer.cpp).
#include "aten_histogram_ops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "qlinear/error.hpp"

namespace qlinear::aten {

namespace {

// ---- torch.sum of a contiguous float32 tensor, as ATen 1.13's CPU kernel adds it ---------------
// cascade_sum (aten/src/ATen/native/cpu/SumKernel.cpp), single-threaded (a tensor below the
// 32768-element grain size is one chunk): float accumulators, the row seen as vectors of 8
// floats (Vectorized<float> on AVX2 and on the default build), those as rows of 4 vectors
// (multi_row_sum, with its 4 cascade levels), the leftover vectors into the first row, the rows
// together, the leftover floats one by one, then the 8 lanes in order.

struct Lanes {
  std::array<float, 8> v{};
  Lanes& operator+=(const Lanes& o) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = v[i] + o.v[i];
    return *this;
  }
};

int64_t aten_ceil_log2(int64_t x) {  // at::native::utils::CeilLog2
  if (x <= 2) return 1;
  int64_t bits = 0;
  for (uint64_t v = static_cast<uint64_t>(x) - 1; v != 0; v >>= 1) ++bits;
  return bits;
}

template <typename Acc, typename Load>
std::array<Acc, 4> multi_row_sum(const Load& load, int64_t size) {  // rows of 4: element i*4 + k
  constexpr int64_t kLevels = 4;
  constexpr int64_t kRows = 4;
  const int64_t level_power = std::max<int64_t>(4, aten_ceil_log2(size) / kLevels);
  const int64_t level_step = int64_t{1} << level_power;
  const int64_t level_mask = level_step - 1;
  Acc acc[kLevels][kRows] = {};
  int64_t i = 0;
  while (i + level_step <= size) {
    for (int64_t j = 0; j < level_step; ++j, ++i)
      for (int64_t k = 0; k < kRows; ++k) acc[0][k] += load(i * kRows + k);
    for (int64_t j = 1; j < kLevels; ++j) {
      for (int64_t k = 0; k < kRows; ++k) {
        acc[j][k] += acc[j - 1][k];
        acc[j - 1][k] = Acc{};
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i)
    for (int64_t k = 0; k < kRows; ++k) acc[0][k] += load(i * kRows + k);
  for (int64_t j = 1; j < kLevels; ++j)
    for (int64_t k = 0; k < kRows; ++k) acc[0][k] += acc[j][k];
  return {acc[0][0], acc[0][1], acc[0][2], acc[0][3]};
}

template <typename Acc, typename Load>
Acc row_sum(const Load& load, int64_t size) {
  const int64_t size_ilp = size / 4;
  std::array<Acc, 4> partial = multi_row_sum<Acc>(load, size_ilp);
  for (int64_t i = size_ilp * 4; i < size; ++i) partial[0] += load(i);
  for (std::size_t k = 1; k < 4; ++k) partial[0] += partial[k];
  return partial[0];
}

}  // namespace

float sum(const float* data, std::size_t count) {
  const auto n = static_cast<int64_t>(count);
  constexpr int64_t kWidth = 8;
  float acc = 0.0f;
  if (n < kWidth) {
    acc = row_sum<float>([data](int64_t i) { return data[i]; }, n);
  } else {
    const int64_t vectors = n / kWidth;
    const Lanes lanes = row_sum<Lanes>(
        [data](int64_t i) {
          Lanes l;
          std::copy(data + i * kWidth, data + (i + 1) * kWidth, l.v.begin());
          return l;
        },
        vectors);
    for (int64_t k = vectors * kWidth; k < n; ++k) acc = acc + data[k];
    for (const float lane : lanes.v) acc = acc + lane;
  }
  return 0.0f + acc;  // the output, zero-filled, accumulates the result
}

// ---- torch.histc(x, bins, min=lo, max=hi) on CPU ------------------------------------------------
// Equal ends fall back to the data's own min and max, and to ±1 around them if those are equal
// too (in double); the bin edges are then those ends in float32. A value v in [left, right] goes
// to bin trunc((v − left) · bins / (right − left)) (float32, LINEAR_INTERPOLATION), the top edge
// into the last bin; values outside are not counted. Counts are float32 additions of 1.
void histc(Span<const float> x, float data_min, float data_max, double lo, double hi, std::vector<float>& counts) {
  if (lo == hi) {
    lo = data_min;
    hi = data_max;
  }
  if (lo == hi) {
    lo -= 1.0;
    hi += 1.0;
  }
  const auto left = static_cast<float>(lo);
  const auto right = static_cast<float>(hi);
  const float width = right - left;
  if (!std::isfinite(width))
    throw Error("HistogramObserver: the range [" + std::to_string(left) + ", " + std::to_string(right) +
                "] is wider than float32 can hold");
  const auto bins = static_cast<int64_t>(counts.size());
  const auto fbins = static_cast<float>(bins);
  if (!(width > 0.0f)) {
    // A constant c so large that c ± 1 rounds back to c: PyTorch divides 0 by 0 here (undefined
    // behaviour in its kernel). qlinear counts the values in the middle bin, where c ± 1 puts them.
    for (const float v : x)
      if (v == left) counts[static_cast<std::size_t>(bins / 2)] += 1.0f;
    return;
  }
  // The bins of a block of values first (a loop the compiler can vectorize), then the counts.
  // Clamping `at` to [0, bins] before the conversion changes no bin of a value in range (and
  // keeps values out of range, whose bin is not used, from overflowing the conversion).
  const auto last = static_cast<int32_t>(bins - 1);
  constexpr std::size_t kBlock = 1024;
  int32_t pos[kBlock];
  const auto bin_of = [&](float v) {
    const float at = std::min(std::max(((v - left) * fbins) / width, 0.0f), fbins);
    const int32_t bin = std::min(static_cast<int32_t>(at), last);
    return v >= left && v <= right ? bin : -1;
  };
  const float* p = x.data();
  std::size_t remaining = x.size();
  for (; remaining >= kBlock; remaining -= kBlock, p += kBlock) {
    for (std::size_t i = 0; i < kBlock; ++i) pos[i] = bin_of(p[i]);
    for (std::size_t i = 0; i < kBlock; ++i)
      if (pos[i] >= 0) counts[static_cast<std::size_t>(pos[i])] += 1.0f;
  }
  for (std::size_t i = 0; i < remaining; ++i) {
    const int32_t bin = bin_of(p[i]);
    if (bin >= 0) counts[static_cast<std::size_t>(bin)] += 1.0f;
  }
}

// ---- _combine_histograms -----------------------------------------------------------------------
// The old histogram, each bin repeated upsample_rate times, sits at start_idx in a zero grid of
// bins · downsample_rate cells; its running sum in double is read every downsample_rate cells,
// the previous reading is rounded to float32 (the float32 tensor it is stored in), and the
// difference / upsample_rate, in float32, is added to the new data's histogram. The zeros add
// nothing to the running sum, so only the old histogram's cells are visited.
void combine_histograms(std::vector<float>& hist, const std::vector<float>& old, int64_t upsample_rate,
                        int64_t downsample_rate, int64_t start_idx) {
  const auto n = static_cast<int64_t>(hist.size());
  const int64_t old_cells = n * upsample_rate;
  double running = 0.0;
  double previous = 0.0;
  int64_t j = 0;  // next cell of the upsampled old histogram
  for (int64_t k = 0; k < n; ++k) {
    const int64_t last = std::min(old_cells, (k + 1) * downsample_rate - start_idx);  // cells j < last
    while (j < last) {
      const int64_t b = j / upsample_rate;
      const auto value = static_cast<double>(old[static_cast<std::size_t>(b)]);
      const int64_t stop = std::min(last, (b + 1) * upsample_rate);
      for (; j < stop; ++j) running += value;
    }
    const double shifted = k == 0 ? 0.0 : static_cast<double>(static_cast<float>(previous));
    const double interpolated = (running - shifted) / static_cast<double>(upsample_rate);
    hist[static_cast<std::size_t>(k)] = hist[static_cast<std::size_t>(k)] + static_cast<float>(interpolated);
    previous = running;
  }
}

}  // namespace qlinear::aten
