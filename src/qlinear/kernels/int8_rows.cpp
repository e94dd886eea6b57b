#include "qlinear/kernels/int8_rows.hpp"

#include <algorithm>
#include <cmath>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace qlinear::kernels {

void quantize_divided_int8_reference(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q) {
  for (std::size_t i = 0; i < n; ++i) q[i] = static_cast<int8_t>(std::nearbyint(std::min(hi, std::max(lo, x[i] / scale))));
}

void dequantize_int8_reference(const int8_t* q, std::size_t n, float a, float b, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(q[i]) * a * b;
}

#ifdef __wasm_simd128__

// The clamp with pmin/pmax (std::min/max's rule lane by lane; no NaN reaches here), and the
// rounding as in elementwise_simd.cpp: t + 1.5·2^23 rounds t half to even into the low mantissa
// bits, so subtracting the sum's bit pattern for 0 leaves round(t) as an i32 lane.
void quantize_divided_int8_simd(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q) {
  const v128_t s = wasm_f32x4_splat(scale), lo4 = wasm_f32x4_splat(lo), hi4 = wasm_f32x4_splat(hi);
  const v128_t magic = wasm_f32x4_splat(12582912.0f), magic_bits = wasm_i32x4_splat(0x4B400000);
  auto four = [&](const float* p) {
    const v128_t t = wasm_f32x4_pmin(hi4, wasm_f32x4_pmax(lo4, wasm_f32x4_div(wasm_v128_load(p), s)));
    return wasm_i32x4_sub(wasm_f32x4_add(t, magic), magic_bits);
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a = wasm_i16x8_narrow_i32x4(four(x + i), four(x + i + 4));
    const v128_t b = wasm_i16x8_narrow_i32x4(four(x + i + 8), four(x + i + 12));
    wasm_v128_store(q + i, wasm_i8x16_narrow_i16x8(a, b));
  }
  quantize_divided_int8_reference(x + i, n - i, scale, lo, hi, q + i);
}

void dequantize_int8_simd(const int8_t* q, std::size_t n, float a, float b, float* out) {
  const v128_t a4 = wasm_f32x4_splat(a), b4 = wasm_f32x4_splat(b);
  auto four = [&](v128_t i32, float* p) {
    wasm_v128_store(p, wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(i32), a4), b4));
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t bytes = wasm_v128_load(q + i);
    const v128_t low = wasm_i16x8_extend_low_i8x16(bytes), high = wasm_i16x8_extend_high_i8x16(bytes);
    four(wasm_i32x4_extend_low_i16x8(low), out + i);
    four(wasm_i32x4_extend_high_i16x8(low), out + i + 4);
    four(wasm_i32x4_extend_low_i16x8(high), out + i + 8);
    four(wasm_i32x4_extend_high_i16x8(high), out + i + 12);
  }
  dequantize_int8_reference(q + i, n - i, a, b, out + i);
}

#else

void quantize_divided_int8_simd(const float* x, std::size_t n, float scale, float lo, float hi, int8_t* q) {
  quantize_divided_int8_reference(x, n, scale, lo, hi, q);
}

void dequantize_int8_simd(const int8_t* q, std::size_t n, float a, float b, float* out) {
  dequantize_int8_reference(q, n, a, b, out);
}

#endif

}  // namespace qlinear::kernels
