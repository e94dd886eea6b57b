#pragma once
// Element-wise kernels of the quantizers: the min/max an observer needs and the
// float -> integer step of quantize. Each has a scalar reference and a SIMD version: xsimd
// (SSE4.1) natively, SIMD128 intrinsics in the wasm build (Emscripten would emulate xsimd's
// SSE4.1 round and convert lane by lane, and its min/max carry NaN fix-ups the callers do not
// need). The two give the same results: no rounding differs (min/max are exact, and
// x * inv_scale, round-half-even and the clamps are the same IEEE operations lane by lane); only
// the sign of a zero min or max may differ, which no quantization parameter depends on.
#include <cstddef>
#include <cstdint>

namespace qlinear::kernels {

struct MinMax {
  float min;
  float max;
};

// n >= 1, no NaN (callers reject NaN first).
MinMax minmax_reference(const float* x, std::size_t n);
MinMax minmax_simd(const float* x, std::size_t n);

// q[i] = clamp(zero_point + round_half_even(x[i] * inv_scale), lo, hi), written as the low byte
// (two's complement for qint8). PyTorch's quantize_val, with the rounded value first clamped to
// ±1024 so that huge x (or inv_scale) cannot overflow the conversion; the result is unchanged
// because every int8/uint8 range and zero point lies well inside that.
void quantize_reference(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                        uint8_t* q);
void quantize_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                   uint8_t* q);

// q[i] = clamp(round_half_even(x[i] * inv_scale + zero_point), lo, hi): the order of PyTorch
// 1.13's dynamic Linear (the zero point is added in float before rounding, so a value whose
// x * inv_scale is near a .5 tie can round differently than in quantize()).
void quantize_zero_point_first_reference(const float* x, std::size_t n, float inv_scale, int32_t zero_point,
                                         int32_t lo, int32_t hi, uint8_t* q);
void quantize_zero_point_first_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo,
                                    int32_t hi, uint8_t* q);

// The versions the library uses.
inline MinMax minmax(const float* x, std::size_t n) { return minmax_simd(x, n); }
inline void quantize(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                     uint8_t* q) {
  quantize_simd(x, n, inv_scale, zero_point, lo, hi, q);
}

inline void quantize_zero_point_first(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo,
                                      int32_t hi, uint8_t* q) {
  quantize_zero_point_first_simd(x, n, inv_scale, zero_point, lo, hi, q);
}

}  // namespace qlinear::kernels
