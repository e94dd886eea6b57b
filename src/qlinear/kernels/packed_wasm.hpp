#pragma once
// What the wasm W8A8 kernel files share: horizontal sums of i32x4 accumulators, and the batched
// kernel over an i16 weight panel (packed_wasm_w8a8_panel.cpp) that packed_wasm.cpp calls from
// 3 batch rows on.
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

// Stores the totals of acc[r] (r < R) into out[r].
template <int R>
inline void store_sums_i32(const v128_t* acc, int32_t* out) {
  if constexpr (R == 4) {
    wasm_v128_store(out, sum4_i32(acc[0], acc[1], acc[2], acc[3]));
  } else {
    for (int r = 0; r < R; ++r) out[r] = hsum_i32(acc[r]);
  }
}
void w8a8_batched_i16_panel(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);

}  // namespace qlinear::kernels
