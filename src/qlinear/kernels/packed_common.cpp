// Packing, shared by every ISA.
#include <algorithm>

#include "qlinear/kernels/packed.hpp"

namespace qlinear::kernels {

PackedWeights pack_weights(const QuantizedWeightsView& w) {
  PackedWeights p;
  p.out_features = w.out_features;
  p.in_features = w.in_features;
  p.stride = padded(w.in_features);
  p.shifted = w.is_unsigned;
  const int32_t shift = w.is_unsigned ? -128 : 0;
  const std::size_t rows = (p.out_features + kPackedRowGroup - 1) / kPackedRowGroup * kPackedRowGroup;
  p.values.assign(rows * p.stride + kPackedSlack, 0);
  for (std::size_t i = 0; i < rows * p.stride; ++i) p.values[i] = packed_zero_at(i);
  p.scale.resize(p.out_features);
  p.zero_point.resize(p.out_features);
  p.row_sum.resize(p.out_features);
  for (std::size_t j = 0; j < p.out_features; ++j) {
    int32_t sum = 0;
    for (std::size_t k = 0; k < p.in_features; ++k) {
      const int32_t v = w.at(j, k) + shift;
      p.values[packed_offset(p.stride, j, k)] = static_cast<int8_t>(static_cast<int8_t>(v) ^ packed_flip(j));
      sum += v;
    }
    p.scale[j] = w.scale(j);
    p.zero_point[j] = w.zero_point(j) + shift;
    p.row_sum[j] = sum;
  }
  return p;
}

std::vector<uint8_t> unpack_weights(const PackedWeights& w) {
  std::vector<uint8_t> out(w.out_features * w.in_features);
  for (std::size_t j = 0; j < w.out_features; ++j)
    for (std::size_t k = 0; k < w.in_features; ++k) {
      const int32_t v = static_cast<int8_t>(w.values[packed_offset(w.stride, j, k)] ^ packed_flip(j)) + (w.shifted ? 128 : 0);
      out[j * w.in_features + k] = static_cast<uint8_t>(v);
    }
  return out;
}

}  // namespace qlinear::kernels
