#pragma once
// The wasm target's kernel families, one file each (named by what they compute, how, and the
// ISA), which dispatch_wasm.cpp chooses between; and what their files share: horizontal sums of
// i32x4 accumulators.
#include <wasm_simd128.h>

#include "qlinear/kernels/packed_driver.hpp"

namespace qlinear::kernels {

// [Σa, Σb, Σc, Σd] of four i32x4 accumulators.
inline v128_t sum4_i32(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
inline int32_t hsum_i32(v128_t v) {
  v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_i32x4_extract_lane(wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2)), 0);
}

// Two row pairs' totals [S0, T0, S1, T1] (S = Σ x·L over a pair's vectors, T = Σ x·w_odd; row
// pairs in packed_weights.hpp) as the four rows' [S0 − 256·T0, T0, S1 − 256·T1, T1]: the even
// rows' Σ x·(w + 128), wrapping as the sums themselves do.
inline v128_t unpair_sums_i32(v128_t st) {
  const v128_t odd_rows = wasm_i32x4_shuffle(st, wasm_i32x4_splat(0), 1, 4, 3, 4);
  return wasm_i32x4_sub(st, wasm_i32x4_shl(odd_rows, 8));
}

// Stores the totals of acc[r] (r < R) into out[r].
template <int R>
inline void store_sums_i32(const v128_t* acc, int32_t* out) {
  if constexpr (R == 4) {
    wasm_v128_store(out, sum4_i32(acc[0], acc[1], acc[2], acc[3]));
  } else {
    for (int r = 0; r < R; ++r) out[r] = hsum_i32(acc[r]);
  }
}
// W8A8 (uint8 activations, int8 weights, f32 out). SIMD128: register tiles
// (w8a8_tiles_wasm_simd128.cpp), and a weight panel widened to i16 once per call for other batch
// sizes (w8a8_i16_panel_wasm_simd128.cpp).
void w8a8_tiles_wasm_simd128(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void w8a8_i16_panel_wasm_simd128(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// Relaxed SIMD's int8 dot (w8a8_relaxed_dot_wasm.cpp, relaxed-SIMD modules only): batch 1, and
// 7-bit activations (no byte over 127) at any batch size.
void w8a8_gemv_wasm_relaxed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void w8a8_7bit_tiles_wasm_relaxed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
bool activations_fit_7_bits(const QuantizedRowsView& x);

// raw[j · group + g] = Σ_k xg[g][k] · w[j][k] (int32, exact while the true sums fit) for every
// output row j and each of `group` (1, 2 or 4) int16 rows laid out as the W8A8 tiles read a group:
// [stride / 8][group][8] (w8a8_tiles_wasm_simd128.cpp); x_sums[g] = Σ_k xg[g][k] (wrapping int32).
// Output rows split over the kernels' threads.
void i16_row_dots_wasm_simd128(const int16_t* xg, std::size_t group, const int32_t* x_sums, const PackedWeights& w,
                               int32_t* raw);

// W8A32 (f32 activations, int8 weights, f32 out), w8a32_wasm_simd128.cpp: tiles converting the
// weights as they go, and an f32 panel converted once per call.
void w8a32_tiles_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                              const float* bias, float* y);
void w8a32_f32_panel_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                                  const float* bias, float* y);
// W8A32 at 1 to 3 batch rows in integer arithmetic (w8a32_split_i16_wasm_simd128.cpp): each row
// split into two int16 rows with a shared power-of-two scale, through i16_row_dots_wasm_simd128.
// Error against exact arithmetic at most max|x| · Σ|w − zw| · 2^(1 − 2·bits) before the scale
// (w8a32_split_bits: 15 down to 8 as K grows, so that the integer sums fit int32); for K up to
// kW8A32SplitMaxK.
constexpr std::size_t kW8A32SplitMaxK = std::size_t{1} << 16;
int w8a32_split_bits(std::size_t in_features);
void w8a32_split_i16_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                                  const float* bias, float* y);

}  // namespace qlinear::kernels
