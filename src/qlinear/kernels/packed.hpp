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

// Where weight (row, k) is in PackedWeights::values (packed_weights.hpp), and the byte stored
// there is the weight ^ packed_flip(row).
#ifdef __wasm_simd128__
// wasm: groups of 4 rows, two row pairs, 8 weights of each at a time, the pair's bytes alternating
// (even row, odd row). A pair's 8 weights are one 16-byte vector, kPackedPairBytes after the
// group's other pair; its next 8 weights are kPackedPairStep bytes on.
constexpr std::size_t kPackedPairBytes = 16;
constexpr std::size_t kPackedPairStep = 8 * kPackedRowGroup;
inline std::size_t packed_offset(std::size_t stride, std::size_t row, std::size_t k) {
  return row / kPackedRowGroup * kPackedRowGroup * stride + k / 8 * kPackedPairStep +
         row % kPackedRowGroup / 2 * kPackedPairBytes + k % 8 * 2 + row % 2;
}
// Even rows store w + 128 (mod 256), so that an i16 lane of a pair vector is 256 · w_odd + (w_even
// + 128) exactly (its low byte read unsigned).
constexpr int8_t packed_flip(std::size_t row) { return row % 2 == 0 ? int8_t{-128} : int8_t{0}; }
// The stored weight 0 at offset i of values (padding holds it): even offsets are even rows' bytes.
constexpr int8_t packed_zero_at(std::size_t offset) { return packed_flip(offset); }
// The first 16-byte vector of the pair that holds `row` (its even row first).
inline const int8_t* packed_pair(const PackedWeights& w, std::size_t row) {
  return w.values.data() + packed_offset(w.stride, row & ~std::size_t{1}, 0);
}
#else
inline std::size_t packed_offset(std::size_t stride, std::size_t row, std::size_t k) { return row * stride + k; }
constexpr int8_t packed_flip(std::size_t) { return 0; }
constexpr int8_t packed_zero_at(std::size_t) { return 0; }
#endif

// w[row][k] − zero_point[row] as stored (the integer a dequantized weight is scale[row] times).
inline int32_t centred_weight(const PackedWeights& w, std::size_t row, std::size_t k) {
  return static_cast<int8_t>(w.values[packed_offset(w.stride, row, k)] ^ packed_flip(row)) - w.zero_point[row];
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
