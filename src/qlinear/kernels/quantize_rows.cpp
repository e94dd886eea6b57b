#include "qlinear/kernels/quantize_rows.hpp"

#include "qlinear/kernels/reference.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/qparams.hpp"
#endif

namespace qlinear::kernels {

#ifdef __wasm_simd128__

namespace {

// quantize_reference's q = clamp(zp + clamp(round_half_even(x · inv_scale), ±1024), lo, hi), 16
// lanes a step: after the rounding every value is a small integer, so adding the zero point and
// clamping in float are exact, and the conversions and narrows below see values in [lo, hi].
void quantize_u8(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi, uint8_t* q) {
  const v128_t inv = wasm_f32x4_splat(inv_scale), zp = wasm_f32x4_splat(static_cast<float>(zero_point));
  const v128_t lo_f = wasm_f32x4_splat(static_cast<float>(lo)), hi_f = wasm_f32x4_splat(static_cast<float>(hi));
  const v128_t limit = wasm_f32x4_splat(1024.0f), minus_limit = wasm_f32x4_splat(-1024.0f);
  auto lane4 = [&](const float* p) {
    v128_t steps = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(p), inv));
    // pmin/pmax (one minps/maxps in V8) rather than min/max (NaN and ±0 fix-ups): there is no
    // NaN here, and a -0 from the rounding becomes +0 when the zero point is added.
    steps = wasm_f32x4_pmin(wasm_f32x4_pmax(steps, minus_limit), limit);
    const v128_t v = wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_add(steps, zp), lo_f), hi_f);
    return wasm_i32x4_trunc_sat_f32x4(v);
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a = wasm_u16x8_narrow_i32x4(lane4(x + i), lane4(x + i + 4));
    const v128_t b = wasm_u16x8_narrow_i32x4(lane4(x + i + 8), lane4(x + i + 12));
    wasm_v128_store(q + i, wasm_u8x16_narrow_i16x8(a, b));
  }
  quantize_reference(x + i, n - i, inv_scale, zero_point, lo, hi, q + i);
}

}  // namespace

void quantize_rows_u8_fast(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q,
                           std::size_t q_stride, float* row_scale, int32_t* row_zero_point) {
  // The body of quantize_rows_u8 (reference.cpp) with the element loop above.
  const IntRange range = storage_range(QuantDtype::quint8);
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = x + b * in_features;
    const MinMax m = minmax(row, in_features);
    const ChannelQParams p = compute_channel_qparams(m.min, m.max, QScheme::per_tensor_affine, QuantDtype::quint8,
                                                     range, RangeVariant::full);
    quantize_u8(row, in_features, 1.0f / p.scale, p.zero_point, range.min, range.max, q + b * q_stride);
    row_scale[b] = p.scale;
    row_zero_point[b] = p.zero_point;
  }
}

#else

void quantize_rows_u8_fast(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q,
                           std::size_t q_stride, float* row_scale, int32_t* row_zero_point) {
  quantize_rows_u8(x, batch, in_features, q, q_stride, row_scale, row_zero_point);
}

#endif

}  // namespace qlinear::kernels
