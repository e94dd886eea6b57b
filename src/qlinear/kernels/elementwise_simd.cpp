#include <algorithm>
#include <cmath>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#else
#include <xsimd/xsimd.hpp>
#endif

#include "qlinear/kernels/elementwise.hpp"

namespace qlinear::kernels {

namespace {

// The min and max of `lanes` per-lane minima and maxima, merged with the scalar tail x[i..n).
MinMax finish_minmax(const float* lo_lanes, const float* hi_lanes, std::size_t lanes, const float* x, std::size_t i,
                     std::size_t n) {
  MinMax m{*std::min_element(lo_lanes, lo_lanes + lanes), *std::max_element(hi_lanes, hi_lanes + lanes)};
  if (i < n) {
    const MinMax tail = minmax_reference(x + i, n - i);
    m.min = std::min(m.min, tail.min);
    m.max = std::max(m.max, tail.max);
  }
  return m;
}

}  // namespace

#ifdef __wasm_simd128__

// In the wasm build xsimd's min/max become f32x4.min/max, whose NaN and ±0 rules cost V8 about
// seven instructions each; callers pass no NaN, so f32x4.pmin/pmax (one minps/maxps: b < a ? b
// : a, which is std::min's rule lane by lane) give the same values. Four pairs of accumulators
// keep four independent dependency chains in flight (measured 256 floats: 140 -> 25 ns).
MinMax minmax_simd(const float* x, std::size_t n) {
  if (n < 16) return minmax_reference(x, n);
  v128_t lo[4], hi[4];
  for (int a = 0; a < 4; ++a) lo[a] = hi[a] = wasm_v128_load(x + 4 * a);
  std::size_t i = 16;
  for (; i + 16 <= n; i += 16)
    for (int a = 0; a < 4; ++a) {
      const v128_t v = wasm_v128_load(x + i + 4 * a);
      lo[a] = wasm_f32x4_pmin(lo[a], v);
      hi[a] = wasm_f32x4_pmax(hi[a], v);
    }
  const v128_t lo2 = wasm_f32x4_pmin(wasm_f32x4_pmin(lo[0], lo[1]), wasm_f32x4_pmin(lo[2], lo[3]));
  const v128_t hi2 = wasm_f32x4_pmax(wasm_f32x4_pmax(hi[0], hi[1]), wasm_f32x4_pmax(hi[2], hi[3]));
  alignas(16) float lo_lanes[4], hi_lanes[4];
  wasm_v128_store(lo_lanes, lo2);
  wasm_v128_store(hi_lanes, hi2);
  return finish_minmax(lo_lanes, hi_lanes, 4, x, i, n);
}

#else

namespace {
using Batch = xsimd::batch<float>;
constexpr std::size_t kLanes = Batch::size;
}  // namespace

MinMax minmax_simd(const float* x, std::size_t n) {
  if (n < kLanes) return minmax_reference(x, n);
  Batch lo = Batch::load_unaligned(x), hi = lo;
  std::size_t i = kLanes;
  for (; i + kLanes <= n; i += kLanes) {
    const Batch v = Batch::load_unaligned(x + i);
    lo = xsimd::min(lo, v);
    hi = xsimd::max(hi, v);
  }
  alignas(64) float lo_lanes[kLanes], hi_lanes[kLanes];
  lo.store_aligned(lo_lanes);
  hi.store_aligned(hi_lanes);
  return finish_minmax(lo_lanes, hi_lanes, kLanes, x, i, n);
}

#endif

#ifdef __wasm_simd128__

// In the wasm build xsimd's SSE4.1 round and float -> int conversion (_mm_round_ps,
// _mm_cvtps_epi32) have no SIMD128 counterpart Emscripten maps them to, so it emulates them
// lane by lane (measured 6.5 ns an element). This is the same arithmetic in SIMD128, without
// the float -> int conversion instruction either (i32x4.trunc_sat_f32x4_s is about seven
// instructions in V8, for its NaN and overflow rules): once clamped to ±1024, t + 1.5·2²³ is a
// float whose ulp is 1, so the addition rounds t half to even (the default IEEE rounding, as
// nearbyint; 1.5·2²³ is even, so the tie goes to the even integer) and the low mantissa bits hold
// 2²² + round(t). The zero point is added and [lo, hi] applied in i32 lanes, exact as in the
// reference; the narrows then keep every value. Measured 256 floats: 108 -> 45 ns.
namespace {

// kZeroPointFirst: x * inv_scale + zero_point is rounded (quantize_zero_point_first), else
// x * inv_scale is rounded and the zero point added to the integer (quantize).
template <bool kZeroPointFirst>
void quantize_wasm(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                   uint8_t* q) {
  constexpr float kMagic = 12582912.0f;  // 1.5 · 2^23, bit pattern 0x4B400000
  const v128_t inv = wasm_f32x4_splat(inv_scale), magic = wasm_f32x4_splat(kMagic);
  const v128_t zp = wasm_f32x4_splat(static_cast<float>(zero_point));
  // Subtracting this from the bits leaves round(t), plus the zero point when it comes after.
  const v128_t offset = wasm_i32x4_splat(kZeroPointFirst ? 0x4B400000 : 0x4B400000 - zero_point);
  const v128_t lo_i = wasm_i32x4_splat(lo), hi_i = wasm_i32x4_splat(hi);
  const v128_t limit = wasm_f32x4_splat(1024.0f), minus_limit = wasm_f32x4_splat(-1024.0f);
  auto four = [&](const float* p) {
    v128_t t = wasm_f32x4_mul(wasm_v128_load(p), inv);
    if constexpr (kZeroPointFirst) t = wasm_f32x4_add(t, zp);
    // pmin/pmax (one minps/maxps in V8) rather than min/max (NaN and ±0 fix-ups): callers pass
    // no NaN, and ±Inf clamp to ±1024 either way. Every [lo, hi] lies inside ±1024, and
    // rounding commutes with clamping to integer bounds, so the clamp changes no result.
    t = wasm_f32x4_pmin(wasm_f32x4_pmax(t, minus_limit), limit);
    const v128_t v = wasm_i32x4_sub(wasm_f32x4_add(t, magic), offset);
    return wasm_i32x4_min(wasm_i32x4_max(v, lo_i), hi_i);
  };
  const bool is_signed = lo < 0;  // qint8: two's complement bytes; quint8: 0..255
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a = wasm_i16x8_narrow_i32x4(four(x + i), four(x + i + 4));
    const v128_t b = wasm_i16x8_narrow_i32x4(four(x + i + 8), four(x + i + 12));
    wasm_v128_store(q + i, is_signed ? wasm_i8x16_narrow_i16x8(a, b) : wasm_u8x16_narrow_i16x8(a, b));
  }
  if constexpr (kZeroPointFirst) quantize_zero_point_first_reference(x + i, n - i, inv_scale, zero_point, lo, hi, q + i);
  else quantize_reference(x + i, n - i, inv_scale, zero_point, lo, hi, q + i);
}

}  // namespace

void quantize_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                   uint8_t* q) {
  quantize_wasm<false>(x, n, inv_scale, zero_point, lo, hi, q);
}

void quantize_zero_point_first_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo,
                                    int32_t hi, uint8_t* q) {
  quantize_wasm<true>(x, n, inv_scale, zero_point, lo, hi, q);
}

#else

namespace {

// Quantizes x[0, n) to q 16 at a time: four(p) gives the four int32 results of p[0..3], which the
// SSE2 packs narrow to 16 bytes; they lie in [lo, hi] (inside int8 or uint8), so the saturating
// packs never saturate. (One int32 store and four byte stores a batch took 5 % of a batched
// W8A8 forward natively.) The tail goes through `tail`, the scalar reference.
template <class Four, class Tail>
void quantize_by_16(const float* x, std::size_t n, int32_t lo, uint8_t* q, Four&& four, Tail&& tail) {
  static_assert(kLanes == 4, "SSE4.1 batches of four floats");
  const bool is_signed = lo < 0;  // qint8: two's complement bytes; quint8: 0..255
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i a = _mm_packs_epi32(four(x + i), four(x + i + 4));
    const __m128i b = _mm_packs_epi32(four(x + i + 8), four(x + i + 12));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), is_signed ? _mm_packs_epi16(a, b) : _mm_packus_epi16(a, b));
  }
  tail(x + i, n - i, q + i);
}

}  // namespace

void quantize_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                   uint8_t* q) {
  // All in float: after rounding and the ±1024 clamp every value is a small integer, so adding
  // the zero point and clamping to [lo, hi] are exact, as in the integer arithmetic of the reference.
  const Batch inv(inv_scale), zp(static_cast<float>(zero_point));
  const Batch lo_f(static_cast<float>(lo)), hi_f(static_cast<float>(hi));
  const Batch limit(1024.0f);
  quantize_by_16(
      x, n, lo, q,
      [&](const float* p) -> __m128i {
        Batch steps = xsimd::nearbyint(Batch::load_unaligned(p) * inv);
        steps = xsimd::min(xsimd::max(steps, -limit), limit);
        return xsimd::to_int(xsimd::min(xsimd::max(steps + zp, lo_f), hi_f));
      },
      [&](const float* xt, std::size_t nt, uint8_t* qt) { quantize_reference(xt, nt, inv_scale, zero_point, lo, hi, qt); });
}

void quantize_zero_point_first_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo,
                                    int32_t hi, uint8_t* q) {
  const Batch inv(inv_scale), zp(static_cast<float>(zero_point));
  const Batch lo_f(static_cast<float>(lo)), hi_f(static_cast<float>(hi));
  quantize_by_16(
      x, n, lo, q,
      [&](const float* p) -> __m128i {
        const Batch r = xsimd::nearbyint(Batch::load_unaligned(p) * inv + zp);
        return xsimd::to_int(xsimd::min(xsimd::max(r, lo_f), hi_f));
      },
      [&](const float* xt, std::size_t nt, uint8_t* qt) {
        quantize_zero_point_first_reference(xt, nt, inv_scale, zero_point, lo, hi, qt);
      });
}

#endif

}  // namespace qlinear::kernels
