#pragma once
// The W8A8 activation quantizer (quantize_rows_u8 of reference.hpp: PyTorch's affine
// MinMaxObserver rule per row) with its element loop in native WASM SIMD128 instructions.
//
// Why a second one: quantize_rows_u8 runs the xsimd SSE4.1 loop of elementwise_simd.cpp, whose
// round (_mm_round_ps) and float -> int conversion Emscripten emulates lane by lane: measured
// 6.5 ns per element in the wasm build, 3.4 ms of a 20 ms 4096 -> 1024 layer at batch 128. This
// one (f32x4.nearest, i32x4.trunc_sat_f32x4, saturating narrows) does the same IEEE operations
// lane by lane, so its bytes, scales and zero points are identical (tested); natively it is
// quantize_rows_u8 itself.
#include <cstddef>
#include <cstdint>

namespace qlinear::kernels {

void quantize_rows_u8_fast(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q,
                           std::size_t q_stride, float* row_scale, int32_t* row_zero_point);

}  // namespace qlinear::kernels
