#pragma once
// Scalar reference kernels: plain loops, double accumulation where float would lose digits,
// written to be obviously right. They are the oracle the SIMD kernels are tested against, and
// the kernels every layer uses until those exist.
//
// Shapes: x is row-major [batch, in], weights [out, in], y [batch, out].
#include <cstddef>
#include <cstdint>

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

// Quantizes each row of x to quint8 with PyTorch's affine MinMaxObserver rule over that row.
// q rows are q_stride bytes apart.
void quantize_rows_u8(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q, std::size_t q_stride,
                      float* row_scale, int32_t* row_zero_point);

// The quint8 scale (double, as PyTorch keeps it) and zero point ChooseQuantizationParams picks for
// [min, max] over [0, 255], or [0, 127] with reduce_range (PyTorch 1.13 QuantUtils.h).
struct DynamicActivationQParams {
  double scale;
  int32_t zero_point;
};
DynamicActivationQParams choose_pytorch_dynamic_qparams(float min, float max, bool reduce_range);

// Quantizes all of x with ONE scale and zero point, exactly as PyTorch 1.13's dynamic Linear
// does (onednn engine): quant_utils::ChooseQuantizationParams over [0, 127] (reduce_range) in
// double precision with its 6.1e-5 scale floor, then q = clamp(rint(x·(1/scale) + zp), 0, 255)
// (the zero point is added before rounding there). Writes the same scale/zero point to every row.
void quantize_tensor_u8_like_pytorch_dynamic(const float* x, std::size_t batch, std::size_t in_features,
                                             uint8_t* q, std::size_t q_stride, float* row_scale,
                                             int32_t* row_zero_point);

// Static W8A8: every row quantized with the same calibrated quint8 scale and zero point
// (PyTorch's quantize_per_tensor: clamp(zp + round_half_even(x / scale), qmin, qmax), where
// PyTorch clamps to the dtype's range, [0, 255], whatever range the observer used).
void quantize_rows_static_u8(const float* x, std::size_t batch, std::size_t in_features, float scale,
                             int32_t zero_point, int32_t qmin, int32_t qmax, uint8_t* q, std::size_t q_stride,
                             float* row_scale, int32_t* row_zero_point);

// LLM.int8()'s activation side (bitsandbytes' int8_vectorwise_quant): with threshold > 0, the
// columns holding any |x| >= threshold are outlier columns (their indices, ascending, go to
// `outlier_columns`, which must have room for in_features). Outlier values are left out of each
// row's absmax; the row is quantized symmetrically, q = round_half_even(x · (127 / absmax)) in
// [-127, 127], and outlier columns get q = 0 (their contribution comes from the fp32 path).
// q is stored shifted by +128 as uint8 with zero point 128, so the W8A8 kernels take it as is;
// row_scale = absmax / 127 (0 for an all-zero row). threshold <= 0 turns detection off.
// Returns the number of outlier columns.
std::size_t quantize_rows_llm_int8(const float* x, std::size_t batch, std::size_t in_features, float threshold,
                                   uint8_t* q, std::size_t q_stride, float* row_scale, int32_t* row_zero_point,
                                   std::size_t* outlier_columns);

// A whole LLM.int8() layer, plainly: the integer product of the non-outlier part (as
// linear_w8a8) plus, in double, x[:, outliers] · dequantized w[:, outliers]ᵀ. The oracle for
// QuantLinear's llm-int8 mode. Returns the number of outlier columns.
std::size_t linear_llm_int8(const float* x, std::size_t batch, const QuantizedWeightsView& w, const float* bias,
                            float threshold, float* y);

}  // namespace qlinear::kernels
