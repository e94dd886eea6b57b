#pragma once
// The ISA-independent parts of the packed kernels, shared by packed_wasm.cpp and packed_x86.cpp:
// how a batch is cut into blocks of 4 rows, the once-per-row widening of W8A8 activations, and
// the exact zero-point correction. Each ISA file supplies only its inner blocks.
#include <cstdint>
#include <vector>

#include "qlinear/kernels/packed.hpp"

namespace qlinear::kernels::detail {

inline int32_t sum_u8(const uint8_t* p, std::size_t n) {
  int32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  return s;
}

// y = sx · sw_j · Σ(xq − zx)(wq − zw) + b_j, with the sum rebuilt exactly from the raw Σxq·wq:
// Σxq·wq − zx·Σwq − zw·Σxq + K·zx·zw (in int64; the result fits int32 for K <= kMaxW8A8InFeatures).
inline float w8a8_output(int64_t raw_dot, const QuantizedRowsView& x, std::size_t b, int32_t x_sum,
                         const PackedWeights& w, std::size_t j, const float* bias) {
  const int64_t zx = x.row_zero_point[b], zw = w.zero_point[j];
  const int64_t exact = raw_dot - zx * w.row_sum[j] - zw * x_sum + static_cast<int64_t>(w.in_features) * zx * zw;
  return x.row_scale[b] * w.scale[j] * static_cast<float>(static_cast<int32_t>(exact)) + (bias ? bias[j] : 0.0f);
}

// Block<Rows>(x, x_stride, w, bias, y, y_stride) computes Rows batch rows.
template <template <int> class Block>
void drive_w8a32(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w, const float* bias,
                 float* y) {
  std::size_t b = 0;
  for (; b + 4 <= batch; b += 4) Block<4>::run(x + b * x_stride, x_stride, w, bias, y + b * w.out_features, w.out_features);
  for (; b < batch; ++b) Block<1>::run(x + b * x_stride, x_stride, w, bias, y + b * w.out_features, w.out_features);
}

// Block<Rows>(x16, stride, x, first_row, x_sums, w, bias, y): activations widened to int16 once
// (every output row then streams only its int8 weights), then blocks of 4 rows.
template <template <int> class Block>
void drive_w8a8(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  std::vector<int16_t> x16(x.batch * w.stride, 0);
  for (std::size_t b = 0; b < x.batch; ++b)
    for (std::size_t k = 0; k < x.in_features; ++k) x16[b * w.stride + k] = x.values[b * x.row_stride + k];
  int32_t sums[4];
  std::size_t b = 0;
  for (; b + 4 <= x.batch; b += 4) {
    for (int r = 0; r < 4; ++r) sums[r] = sum_u8(x.values + (b + r) * x.row_stride, x.in_features);
    Block<4>::run(x16.data(), w.stride, x, b, sums, w, bias, y);
  }
  for (; b < x.batch; ++b) {
    sums[0] = sum_u8(x.values + b * x.row_stride, x.in_features);
    Block<1>::run(x16.data(), w.stride, x, b, sums, w, bias, y);
  }
}

}  // namespace qlinear::kernels::detail
