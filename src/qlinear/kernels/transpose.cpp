#include "qlinear/kernels/transpose.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace qlinear::kernels {

void transpose_f32_reference(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                             std::size_t dst_stride) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) dst[c * dst_stride + r] = src[r * src_stride + c];
}

#ifdef __wasm_simd128__

// Whole 4 × 4 tiles: four rows loaded, interleaved in pairs, then the pairs' halves joined, so
// each column leaves as one vector. The edges (rows or columns past the last multiple of 4) go
// through the reference.
void transpose_f32_simd(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                        std::size_t dst_stride) {
  const std::size_t rows4 = rows / 4 * 4, cols4 = cols / 4 * 4;
  for (std::size_t r = 0; r < rows4; r += 4)
    for (std::size_t c = 0; c < cols4; c += 4) {
      const float* p = src + r * src_stride + c;
      const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + src_stride);
      const v128_t e = wasm_v128_load(p + 2 * src_stride), d = wasm_v128_load(p + 3 * src_stride);
      const v128_t ab_low = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_high = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      const v128_t ed_low = wasm_i32x4_shuffle(e, d, 0, 4, 1, 5), ed_high = wasm_i32x4_shuffle(e, d, 2, 6, 3, 7);
      float* q = dst + c * dst_stride + r;
      wasm_v128_store(q, wasm_i32x4_shuffle(ab_low, ed_low, 0, 1, 4, 5));
      wasm_v128_store(q + dst_stride, wasm_i32x4_shuffle(ab_low, ed_low, 2, 3, 6, 7));
      wasm_v128_store(q + 2 * dst_stride, wasm_i32x4_shuffle(ab_high, ed_high, 0, 1, 4, 5));
      wasm_v128_store(q + 3 * dst_stride, wasm_i32x4_shuffle(ab_high, ed_high, 2, 3, 6, 7));
    }
  if (cols4 < cols) transpose_f32_reference(src + cols4, src_stride, rows4, cols - cols4, dst + cols4 * dst_stride, dst_stride);
  if (rows4 < rows)
    transpose_f32_reference(src + rows4 * src_stride, src_stride, rows - rows4, cols, dst + rows4, dst_stride);
}

#else

void transpose_f32_simd(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                        std::size_t dst_stride) {
  transpose_f32_reference(src, src_stride, rows, cols, dst, dst_stride);
}

#endif

}  // namespace qlinear::kernels
