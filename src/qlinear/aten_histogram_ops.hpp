#pragma once
// The float32 tensor operations of PyTorch 1.13 that HistogramObserver (histogram_observer.cpp)
// is built from, each reproducing ATen's CPU kernel's order of operations and rounding, so that
// the observer's bins and sums are PyTorch's bit for bit. Internal to the core.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qlinear/span.hpp"

namespace qlinear::aten {

// torch.sum of a contiguous float32 tensor (ATen's cascade_sum, single-threaded).
float sum(const float* data, std::size_t count);

// torch.histc(x, bins = counts.size(), min = lo, max = hi) into `counts` (overwritten);
// data_min / data_max are x's own extremes, the fallback when lo == hi.
void histc(Span<const float> x, float data_min, float data_max, double lo, double hi, std::vector<float>& counts);

// HistogramObserver._combine_histograms: the old histogram, upsampled and shifted by start_idx
// cells, resampled onto the new one's bins and added to `hist`.
void combine_histograms(std::vector<float>& hist, const std::vector<float>& old, int64_t upsample_rate,
                        int64_t downsample_rate, int64_t start_idx);

}  // namespace qlinear::aten
