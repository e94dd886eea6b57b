#pragma once
// Weights packed once, when a layer is quantized, into the layout the int8 inner loops stream
// (PackedWeights, include/qlinear/packed_weights.hpp). The entry points below are defined by one
// selection table per target (dispatch_wasm.cpp, dispatch_x86.cpp), which calls one file per
// kernel family, named by what it computes and the ISA (kernels_wasm.hpp and kernels_x86.hpp list
// them). The families share their loops in packed_driver.hpp (cut over threads by partition.hpp)
// and are tested against reference.hpp.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qlinear/kernels/reference.hpp"
#include "qlinear/packed_weights.hpp"

namespace qlinear::kernels {

PackedWeights pack_weights(const QuantizedWeightsView& w);

// The stored integers again, unshifted and unpadded: qint8 bit patterns or quint8 values.
std::vector<uint8_t> unpack_weights(const PackedWeights& w);

// Where weight (row, k) is in PackedWeights::values: rows in groups of kPackedRowGroup, each
// row's 16-byte pieces kPackedRowStep bytes apart (packed_weights.hpp).
constexpr std::size_t kPackedRowStep = kPackedAlignment * kPackedRowGroup;
inline std::size_t packed_offset(std::size_t stride, std::size_t row, std::size_t k) {
  return row / kPackedRowGroup * kPackedRowGroup * stride + k / kPackedAlignment * kPackedRowStep +
         row % kPackedRowGroup * kPackedAlignment + k % kPackedAlignment;
}
// A row's first piece; the kernels step a row pointer by kPackedRowStep per 16 weights.
inline const int8_t* packed_row(const PackedWeights& w, std::size_t row) {
  return w.values.data() + packed_offset(w.stride, row, 0);
}

// A pointer reading packed rows 8 bytes a step moves by 8 within a 16-byte piece, then on to the
// row's next piece: starting from kPackedFirstHalfStep, step = next_half_step(step) after each read.
constexpr std::size_t kPackedFirstHalfStep = 8;
constexpr std::size_t next_half_step(std::size_t step) { return step ^ (8 ^ (kPackedRowStep - 8)); }

// w[row][k] − zero_point[row] as stored (the integer a dequantized weight is scale[row] times).
inline int32_t centred_weight(const PackedWeights& w, std::size_t row, std::size_t k) {
  return w.values[packed_offset(w.stride, row, k)] - w.zero_point[row];
}

// Row stride for activations fed to the packed kernels: padding entries must be 0.
inline std::size_t padded(std::size_t n) { return (n + kPackedAlignment - 1) / kPackedAlignment * kPackedAlignment; }

// W8A32: y[b][j] = scale_j · Σ_k x[b][k] · (w[j][k] − zero_point_j) + bias_j, with x rows
// `x_stride` floats apart and zero beyond in_features (up to w.stride).
void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y);

// W8A8: acc = Σ_k (xq − zx)(wq − zw) exactly in integers, y = sx · sw_j · acc + bias_j. x.values
// rows are x.row_stride bytes apart, zero beyond in_features; in_features <= kMaxW8A8InFeatures.
void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);

}  // namespace qlinear::kernels
