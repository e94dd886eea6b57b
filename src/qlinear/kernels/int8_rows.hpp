#pragma once
// Element-wise kernels of the checkpoint writer's symmetric int8 formats, each with a scalar
// reference and a SIMD128 version in the wasm build (natively the reference, which compilers
// vectorize well enough for a path bounded by the disk). The two give identical results: every
// step is one IEEE operation lane by lane.
#include <cstddef>
#include <cstdint>

namespace qlinear::kernels {

// q[i] = nearbyint(min(hi, max(lo, x[i] / scale))): compressed-tensors' order (a division, and
// the clamp before the rounding, which gives the same integers as after it for integer bounds).
// scale > 0 and finite, x finite, lo and hi integers inside the int8 range.
void quantize_divided_int8_reference(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q);
void quantize_divided_int8_simd(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q);

// out[i] = float(q[i]) · a · b, multiplied left to right (bitsandbytes' q · SCB · (1/127); b = 1
// gives q · a exactly).
void dequantize_int8_reference(const int8_t* q, std::size_t n, float a, float b, float* out);
void dequantize_int8_simd(const int8_t* q, std::size_t n, float a, float b, float* out);

inline void quantize_divided_int8(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q) {
  quantize_divided_int8_simd(x, n, scale, lo, hi, q);
}
inline void dequantize_int8(const int8_t* q, std::size_t n, float a, float b, float* out) {
  dequantize_int8_simd(q, n, a, b, out);
}

}  // namespace qlinear::kernels
