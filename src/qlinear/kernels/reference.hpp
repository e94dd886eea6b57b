#pragma once
// Scalar reference kernels: plain loops, double accumulation where float would lose digits,
// written to be obviously right. They are the oracle the SIMD kernels are tested against and run
// nowhere else.
//
// Shapes: x is row-major [batch, in], weights [out, in], y [batch, out].
#include <cstddef>
#include <cstdint>

#include "qlinear/kernels/activation_quantizers.hpp"
#include "qlinear/packed_weights.hpp"

namespace qlinear::kernels {

// Integer weights with one scale and zero point per output row, or one for all rows.
// `values` holds qint8 bit patterns or quint8 values per `is_unsigned`.
struct QuantizedWeightsView {
  const uint8_t* values;
  bool is_unsigned;
  const float* scales;        // out_features entries if per_channel, else 1
  const int32_t* zero_points;  // likewise
  bool per_channel;
  std::size_t out_features;
  std::size_t in_features;

  int32_t at(std::size_t row, std::size_t k) const {
    const uint8_t v = values[row * in_features + k];
    return is_unsigned ? static_cast<int32_t>(v) : static_cast<int32_t>(static_cast<int8_t>(v));
  }
  float scale(std::size_t row) const { return scales[per_channel ? row : 0]; }
  int32_t zero_point(std::size_t row) const { return zero_points[per_channel ? row : 0]; }
};

// Activations quantized to quint8 (W8A8): one scale and zero point per batch row, rows
// row_stride bytes apart (>= in_features; the packed kernels want it padded with zeros).
struct QuantizedRowsView {
  const uint8_t* values;
  const float* row_scale;
  const int32_t* row_zero_point;
  std::size_t batch;
  std::size_t in_features;
  std::size_t row_stride;
};

// y = x · Wᵀ + b (b may be null).
void linear_f32(const float* x, std::size_t batch, const float* weight, const float* bias,
                std::size_t in_features, std::size_t out_features, float* y);

// Weight-only (W8A32): y[b][j] = s_j · (Σ_k x[b][k]·q[j][k] − z_j · Σ_k x[b][k]) + bias_j, which is
// x · ((q − z)·s)ᵀ + b without ever forming the dequantized matrix.
void linear_w8a32(const float* x, std::size_t batch, const QuantizedWeightsView& w, const float* bias, float* y);

// Dynamic (W8A8): acc = Σ_k (xq − zx)(wq − zw), exact in integers, then
// y = (sx · sw_j) · acc + bias_j; in_features <= kMaxW8A8InFeatures (packed_weights.hpp), so acc
// fits int32; callers must not exceed it.
void linear_w8a8(const QuantizedRowsView& x, const QuantizedWeightsView& w, const float* bias, float* y);

// A whole LLM.int8() layer, plainly: the integer product of the non-outlier part (as
// linear_w8a8) plus, in double, x[:, outliers] · dequantized w[:, outliers]ᵀ. The oracle for
// QuantLinear's llm-int8 mode. Returns the number of outlier columns.
std::size_t linear_llm_int8(const float* x, std::size_t batch, const QuantizedWeightsView& w, const float* bias,
                            float threshold, float* y);

}  // namespace qlinear::kernels
