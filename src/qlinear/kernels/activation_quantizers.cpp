#include "qlinear/kernels/activation_quantizers.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/qparams.hpp"

namespace qlinear::kernels {

void quantize_rows_u8(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q, std::size_t q_stride,
                      float* row_scale, int32_t* row_zero_point) {
  const IntRange range = storage_range(QuantDtype::quint8);
  for_each_row_block(batch, in_features * kMacsPerElement, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const float* row = x + b * in_features;
      const MinMax m = minmax(row, in_features);
      const ChannelQParams p = compute_channel_qparams(m.min, m.max, QScheme::per_tensor_affine, QuantDtype::quint8,
                                                       range, RangeVariant::full);
      quantize(row, in_features, 1.0f / p.scale, p.zero_point, range.min, range.max, q + b * q_stride);
      row_scale[b] = p.scale;
      row_zero_point[b] = p.zero_point;
    }
  });
}

// PyTorch 1.13 aten/src/ATen/native/quantized/cpu/QuantUtils.h ChooseQuantizationParams over
// [0, 255] (halved to [0, 127] by reduce_range), preserve_sparsity and force_scale_power_of_two off.
DynamicActivationQParams choose_pytorch_dynamic_qparams(float min, float max, bool reduce_range) {
  const int32_t qmin = 0, qmax = reduce_range ? 255 / 2 : 255;
  constexpr float kSmallScaleThreshold = 6.1e-5f;
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  if (scale < kSmallScaleThreshold) {
    const auto original = static_cast<float>(scale);
    scale = kSmallScaleThreshold;
    if (min == 0.0f) {
      max = kSmallScaleThreshold * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScaleThreshold * static_cast<float>(qmax - qmin);
    } else {
      const float amplifier = kSmallScaleThreshold / original;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double from_min = qmin - min / scale;
  const double from_max = qmax - max / scale;
  const double from_min_error = std::abs(qmin) - std::abs(min / scale);
  const double from_max_error = std::abs(qmax) - std::abs(max / scale);
  const double initial = from_min_error < from_max_error ? from_min : from_max;
  int32_t zero_point;
  if (initial < qmin) zero_point = qmin;
  else if (initial > qmax) zero_point = qmax;
  else zero_point = static_cast<int32_t>(std::nearbyint(initial));
  return {scale, zero_point};
}

void quantize_tensor_u8_like_pytorch_dynamic(const float* x, std::size_t batch, std::size_t in_features,
                                             uint8_t* q, std::size_t q_stride, float* row_scale,
                                             int32_t* row_zero_point) {
  const MinMax m = minmax(x, batch * in_features);
  const DynamicActivationQParams p = choose_pytorch_dynamic_qparams(m.min, m.max, /*reduce_range=*/true);
  const auto inv_scale = static_cast<float>(1.0 / p.scale);
  for_each_row_block(batch, in_features * kMacsPerElement, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b)
      quantize_zero_point_first(x + b * in_features, in_features, inv_scale, p.zero_point, 0, 255, q + b * q_stride);
  });
  for (std::size_t b = 0; b < batch; ++b) {
    row_scale[b] = static_cast<float>(p.scale);
    row_zero_point[b] = p.zero_point;
  }
}

void quantize_rows_static_u8(const float* x, std::size_t batch, std::size_t in_features, float scale,
                             int32_t zero_point, int32_t qmin, int32_t qmax, uint8_t* q, std::size_t q_stride,
                             float* row_scale, int32_t* row_zero_point) {
  const float inv_scale = 1.0f / scale;
  for_each_row_block(batch, in_features * kMacsPerElement, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      quantize(x + b * in_features, in_features, inv_scale, zero_point, qmin, qmax, q + b * q_stride);
      row_scale[b] = scale;
      row_zero_point[b] = zero_point;
    }
  });
}

std::size_t quantize_rows_llm_int8(const float* x, std::size_t batch, std::size_t in_features, float threshold,
                                   uint8_t* q, std::size_t q_stride, float* row_scale, int32_t* row_zero_point,
                                   std::size_t* outlier_columns) {
  constexpr int32_t kShift = 128;  // int8 q stored as q + 128 (uint8, zero point 128)
  const bool detect = threshold > 0.0f;
  // Each row's largest magnitude from the SIMD min/max; only rows that reach the threshold are
  // scanned element by element (for outlier columns, and for their absmax without outliers).
  // The scans are branch-free loops over bytes (not vector<bool>), which the compiler vectorizes.
  std::vector<float> row_max_abs(batch);
  std::vector<uint8_t> row_has_outlier(batch, 0), column_has_outlier;
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = x + b * in_features;
    const MinMax m = minmax(row, in_features);
    row_max_abs[b] = std::max(-m.min, m.max);
    if (!detect || row_max_abs[b] < threshold) continue;
    row_has_outlier[b] = 1;
    column_has_outlier.resize(in_features, 0);
    for (std::size_t k = 0; k < in_features; ++k) column_has_outlier[k] |= std::abs(row[k]) >= threshold ? 1 : 0;
  }
  std::size_t outliers = 0;
  for (std::size_t k = 0; k < column_has_outlier.size(); ++k)
    if (column_has_outlier[k]) outlier_columns[outliers++] = k;

  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = x + b * in_features;
    uint8_t* qrow = q + b * q_stride;
    // bitsandbytes zeroes the outlier values (not whole columns) before taking the row absmax.
    float absmax = row_max_abs[b];
    if (row_has_outlier[b]) {
      absmax = 0.0f;
      for (std::size_t k = 0; k < in_features; ++k) {
        const float a = std::abs(row[k]);
        absmax = std::max(absmax, a < threshold ? a : 0.0f);
      }
    }
    // As bitsandbytes computes it in float32: round_half_even(A * (127 / absmax)), which is
    // quantize()'s x · inv_scale rounding with inv_scale = 127 / absmax, zero point 128 and the
    // range [1, 255] = [-127, 127] + 128. Outlier columns are overwritten below.
    const float factor = absmax > 0.0f ? 127.0f / absmax : 0.0f;
    if (!std::isinf(factor)) {
      quantize(row, in_features, factor, kShift, kShift - 127, kShift + 127, qrow);
    } else {  // a subnormal absmax: 127 / absmax overflows, x / absmax · 127 stays finite
      for (std::size_t k = 0; k < in_features; ++k) {
        const float r = std::min(std::max(std::nearbyint(row[k] / absmax * 127.0f), -127.0f), 127.0f);
        qrow[k] = static_cast<uint8_t>(static_cast<int32_t>(r) + kShift);
      }
    }
    for (std::size_t i = 0; i < outliers; ++i) qrow[outlier_columns[i]] = kShift;  // every outlier value's column
    row_scale[b] = absmax / 127.0f;
    row_zero_point[b] = kShift;
  }
  return outliers;
}

}  // namespace qlinear::kernels
