// SSE4.1 tiles for the packed kernels' driver (packed_driver.hpp): the x86-64 baseline every
// current machine has, on plain rows: sign-extending loads + _mm_madd_epi16 for W8A8, int8 → f32
// via pmovsxbd + cvtdq2ps for W8A32. dispatch_x86.cpp runs
// them where CPUID finds nothing wider.
#include <smmintrin.h>

#include <cstring>

#include "qlinear/kernels/kernels_x86.hpp"
#include "qlinear/kernels/packed_driver.hpp"

namespace qlinear::kernels::x86 {

namespace {

inline int32_t hsum_i32(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

inline float hsum_f32(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}

inline __m128i load_i8x8_as_i16(const int8_t* p) {
  return _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

inline __m128 load_i8x4_as_f32(const int8_t* p) {
  int32_t bits;
  std::memcpy(&bits, p, 4);
  return _mm_cvtepi32_ps(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(bits)));
}

// See W8A8Tile in w8a8_tiles_wasm_simd128.cpp: R weight rows × G interleaved activation rows.
template <int R, int G>
struct W8A8Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 4 ? 2 : 4;
  static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j, const int32_t*,
                  int32_t raw[G][R]) {
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = w.values.data() + (j + r) * stride;
    __m128i acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm_setzero_si128();
    const int16_t* xp = xg;
    if constexpr (G == 1) {
      // 16 lanes a step, the two products summed before they reach the accumulator.
      for (std::size_t k = 0; k < stride; k += 16, xp += 16) {
        const __m128i xl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp));
        const __m128i xh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp + 8));
        for (int r = 0; r < R; ++r)
          acc[0][r] = _mm_add_epi32(acc[0][r], _mm_add_epi32(_mm_madd_epi16(xl, load_i8x8_as_i16(wp[r] + k)),
                                                             _mm_madd_epi16(xh, load_i8x8_as_i16(wp[r] + k + 8))));
      }
    } else {
      for (std::size_t k = 0; k < stride; k += 8, xp += 8 * G) {
        __m128i xv[G];
        for (int b = 0; b < G; ++b) xv[b] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp + 8 * b));
        for (int r = 0; r < R; ++r) {
          const __m128i wv = load_i8x8_as_i16(wp[r] + k);
          for (int b = 0; b < G; ++b) acc[b][r] = _mm_add_epi32(acc[b][r], _mm_madd_epi16(xv[b], wv));
        }
      }
    }
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) raw[b][r] = hsum_i32(acc[b][r]);
  }
};

// R weight rows × B batch rows of Σ x·(w − zw); 8 lanes a step, the two products summed before
// they reach the accumulator.
template <int R, int B>
struct W8A32Tile {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, std::size_t j, float sums[B][R]) {
    const std::size_t stride = w.stride;
    const int8_t* wp[R];
    __m128 zp[R], acc[B][R];
    for (int r = 0; r < R; ++r) {
      wp[r] = w.values.data() + (j + r) * stride;
      zp[r] = _mm_set1_ps(static_cast<float>(w.zero_point[j + r]));
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm_setzero_ps();
    for (std::size_t k = 0; k < stride; k += 8) {
      __m128 x0[B], x1[B];
      for (int b = 0; b < B; ++b) {
        x0[b] = _mm_loadu_ps(x + b * x_stride + k);
        x1[b] = _mm_loadu_ps(x + b * x_stride + k + 4);
      }
      for (int r = 0; r < R; ++r) {
        const __m128 f0 = _mm_sub_ps(load_i8x4_as_f32(wp[r] + k), zp[r]);
        const __m128 f1 = _mm_sub_ps(load_i8x4_as_f32(wp[r] + k + 4), zp[r]);
        for (int b = 0; b < B; ++b)
          acc[b][r] = _mm_add_ps(acc[b][r], _mm_add_ps(_mm_mul_ps(x0[b], f0), _mm_mul_ps(x1[b], f1)));
      }
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) sums[b][r] = hsum_f32(acc[b][r]);
  }
};

}  // namespace

void linear_w8a32_sse41(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                        const float* bias, float* y) {
  detail::drive_w8a32<W8A32Tile, 2, 2, 4>(x, x_stride, batch, w, bias, y);
}

void linear_w8a8_sse41(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Tile>(x, w, bias, y);
}

}  // namespace qlinear::kernels::x86
