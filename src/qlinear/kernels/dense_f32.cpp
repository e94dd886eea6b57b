#include "qlinear/kernels/dense_f32.hpp"

#include <xsimd/xsimd.hpp>

namespace qlinear::kernels {

namespace {

using Batch = xsimd::batch<float>;
constexpr std::size_t kLanes = Batch::size;

// Rows × Cols dot products at once (Rows input rows, Cols weight rows): each vector loaded is
// used Cols or Rows times, so a block does Rows·Cols multiply-adds per Rows + Cols loads.
// Separate multiply and add: neither SSE4.1 nor WASM SIMD128 has a fused multiply-add.
template <int Rows, int Cols>
void block(const float* x, std::size_t x_stride, const float* w, std::size_t w_stride, std::size_t k_count,
           const float* bias, float* y, std::size_t y_stride) {
  Batch acc[Rows][Cols];
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < Cols; ++c) acc[r][c] = Batch(0.0f);
  std::size_t k = 0;
  for (; k + kLanes <= k_count; k += kLanes) {
    Batch wv[Cols];
    for (int c = 0; c < Cols; ++c) wv[c] = Batch::load_unaligned(w + c * w_stride + k);
    for (int r = 0; r < Rows; ++r) {
      const Batch xv = Batch::load_unaligned(x + r * x_stride + k);
      for (int c = 0; c < Cols; ++c) acc[r][c] = acc[r][c] + xv * wv[c];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < Cols; ++c) {
      float sum = xsimd::hadd(acc[r][c]);
      for (std::size_t t = k; t < k_count; ++t) sum += x[r * x_stride + t] * w[c * w_stride + t];
      y[r * y_stride + c] = sum + (bias ? bias[c] : 0.0f);
    }
}

}  // namespace

void linear_f32_simd(const float* x, std::size_t batch, const float* weight, const float* bias, std::size_t in_features,
                     std::size_t out_features, float* y) {
  const std::size_t in = in_features, out = out_features;
  auto bias_at = [&](std::size_t j) { return bias ? bias + j : nullptr; };
  std::size_t b = 0;
  // Four input rows by two weight rows; batch 1-3 leftovers stream four weight rows per x load.
  for (; b + 4 <= batch; b += 4) {
    std::size_t j = 0;
    for (; j + 2 <= out; j += 2) block<4, 2>(x + b * in, in, weight + j * in, in, in, bias_at(j), y + b * out + j, out);
    for (; j < out; ++j) block<4, 1>(x + b * in, in, weight + j * in, in, in, bias_at(j), y + b * out + j, out);
  }
  for (; b < batch; ++b) {
    std::size_t j = 0;
    for (; j + 4 <= out; j += 4) block<1, 4>(x + b * in, in, weight + j * in, in, in, bias_at(j), y + b * out + j, out);
    for (; j < out; ++j) block<1, 1>(x + b * in, in, weight + j * in, in, in, bias_at(j), y + b * out + j, out);
  }
}

}  // namespace qlinear::kernels
