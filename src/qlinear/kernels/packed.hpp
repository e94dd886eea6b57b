#pragma once
// Weights packed once, when a layer is quantized, into the layout the int8 inner loops stream:
// int8 rows padded to a multiple of 16 (one 128-bit vector), quint8 shifted by -128 into int8
// (q - z is unchanged when both move), and per row the scale, zero point and Σ q that the W8A8
// zero-point correction needs. The kernels over it exist once per ISA (packed_wasm.cpp for
// WASM SIMD128; natively packed_x86.cpp for SSE4.1, which picks packed_avx2.cpp's AVX2, AVX-VNNI
// or AVX-512 VNNI tiles, or packed_x86_gemm.cpp's batched AVX-512 VNNI / AMX GEMMs, at run time),
// share their loops in packed_driver.hpp, and are tested against reference.hpp.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qlinear/kernels/reference.hpp"

namespace qlinear::kernels {

constexpr std::size_t kPackedAlignment = 16;  // int8 lanes in one 128-bit vector

// Zero bytes after the last row. The native AMX kernel reads whole 64-byte blocks of K, up to 48
// bytes past the end of a row (into the next row, where the activations it meets are zero), so
// the last row needs room behind it too. The wasm kernels read whole rows only.
#ifdef __wasm_simd128__
constexpr std::size_t kPackedSlack = 0;
#else
constexpr std::size_t kPackedSlack = 64;
#endif

struct PackedWeights {
  std::size_t out_features = 0;
  std::size_t in_features = 0;
  std::size_t stride = 0;          // in_features rounded up to kPackedAlignment
  std::vector<int8_t> values;      // [out_features][stride], then kPackedSlack bytes; padding is 0
  std::vector<float> scale;        // per output row
  std::vector<int32_t> zero_point;  // per output row, in the shifted (int8) domain of `values`
  std::vector<int32_t> row_sum;    // Σ_k values[j][k]
  bool shifted = false;            // quint8 weights stored as q - 128

  std::size_t bytes() const {
    return values.size() + (scale.size() + zero_point.size() + row_sum.size()) * 4;
  }
};

PackedWeights pack_weights(const QuantizedWeightsView& w);

// The stored integers again, unshifted and unpadded: qint8 bit patterns or quint8 values.
std::vector<uint8_t> unpack_weights(const PackedWeights& w);

// w[row][k] − zero_point[row] as stored (the integer a dequantized weight is scale[row] times).
inline int32_t centred_weight(const PackedWeights& w, std::size_t row, std::size_t k) {
  return w.values[row * w.stride + k] - w.zero_point[row];
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

// Which implementation the two functions above run: "wasm-simd128" ("wasm-relaxed-simd" in the
// relaxed-SIMD module, whose batch-1 and 7-bit W8A8 kernels use relaxed SIMD's int8 dot), or natively "sse4.1",
// "avx2", "avx-vnni", "avx512-vnni" or "amx-int8" (the widest W8A8 kernels: AVX-512 VNNI tiles
// from 4 batch rows on and its broadcast GEMM from 16, or AMX tdpbsud from 16 batch rows; W8A32
// uses AVX2 from "avx2" up), chosen at run time from CPUID (and, for AMX, Linux's permission);
// QLINEAR_X86_ISA=sse41|avx2|avx-vnni|avx512-vnni|amx-int8 caps it.
const char* packed_kernels_isa();

}  // namespace qlinear::kernels
