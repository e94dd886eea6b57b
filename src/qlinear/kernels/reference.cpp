#include "qlinear/kernels/reference.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/qparams.hpp"

namespace qlinear::kernels {

void linear_f32(const float* x, std::size_t batch, const float* weight, const float* bias,
                std::size_t in_features, std::size_t out_features, float* y) {
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = x + b * in_features;
    for (std::size_t j = 0; j < out_features; ++j) {
      const float* w = weight + j * in_features;
      double acc = 0.0;
      for (std::size_t k = 0; k < in_features; ++k) acc += static_cast<double>(row[k]) * w[k];
      y[b * out_features + j] = static_cast<float>(acc + (bias ? bias[j] : 0.0f));
    }
  }
}

void linear_w8a32(const float* x, std::size_t batch, const QuantizedWeightsView& w, const float* bias, float* y) {
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = x + b * w.in_features;
    double row_total = 0.0;
    for (std::size_t k = 0; k < w.in_features; ++k) row_total += row[k];
    for (std::size_t j = 0; j < w.out_features; ++j) {
      double acc = 0.0;
      for (std::size_t k = 0; k < w.in_features; ++k) acc += static_cast<double>(row[k]) * w.at(j, k);
      const double centred = acc - static_cast<double>(w.zero_point(j)) * row_total;
      y[b * w.out_features + j] =
          static_cast<float>(static_cast<double>(w.scale(j)) * centred + (bias ? bias[j] : 0.0f));
    }
  }
}

void linear_w8a8(const QuantizedRowsView& x, const QuantizedWeightsView& w, const float* bias, float* y) {
  for (std::size_t b = 0; b < x.batch; ++b) {
    const uint8_t* xq = x.values + b * x.row_stride;
    const int64_t zx = x.row_zero_point[b];
    for (std::size_t j = 0; j < w.out_features; ++j) {
      const int64_t zw = w.zero_point(j);
      int64_t acc = 0;
      for (std::size_t k = 0; k < w.in_features; ++k) acc += (xq[k] - zx) * (w.at(j, k) - zw);
      const float scale = x.row_scale[b] * w.scale(j);
      y[b * w.out_features + j] = scale * static_cast<float>(static_cast<int32_t>(acc)) + (bias ? bias[j] : 0.0f);
    }
  }
}

std::size_t linear_llm_int8(const float* x, std::size_t batch, const QuantizedWeightsView& w, const float* bias,
                            float threshold, float* y) {
  const std::size_t in = w.in_features;
  std::vector<uint8_t> q(batch * in);
  std::vector<float> row_scale(batch);
  std::vector<int32_t> row_zero_point(batch);
  std::vector<std::size_t> outlier_columns(in);
  const std::size_t outliers = quantize_rows_llm_int8(x, batch, in, threshold, q.data(), in, row_scale.data(),
                                                      row_zero_point.data(), outlier_columns.data());
  linear_w8a8({q.data(), row_scale.data(), row_zero_point.data(), batch, in, in}, w, bias, y);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t j = 0; j < w.out_features; ++j) {
      double extra = 0.0;
      for (std::size_t i = 0; i < outliers; ++i) {
        const std::size_t k = outlier_columns[i];
        extra += static_cast<double>(x[b * in + k]) * (static_cast<double>(w.at(j, k)) - w.zero_point(j)) * w.scale(j);
      }
      y[b * w.out_features + j] = static_cast<float>(y[b * w.out_features + j] + extra);
    }
  return outliers;
}

}  // namespace qlinear::kernels
