#pragma once
// A float32 transpose of a strided block, dst[c][r] = src[r][c]: the checkpoint writer turns
// transformers' Conv1D weights ([in, out]) into [out, in] rows with it, a few output rows at a
// time. A scalar reference and a SIMD128 version (4 × 4 tiles through shuffles) in the wasm
// build; natively the reference. Both copy values, so they agree exactly.
#include <cstddef>

namespace qlinear::kernels {

void transpose_f32_reference(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                             std::size_t dst_stride);
void transpose_f32_simd(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                        std::size_t dst_stride);

inline void transpose_f32(const float* src, std::size_t src_stride, std::size_t rows, std::size_t cols, float* dst,
                          std::size_t dst_stride) {
  transpose_f32_simd(src, src_stride, rows, cols, dst, dst_stride);
}

}  // namespace qlinear::kernels
