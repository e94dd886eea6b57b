// The packed int8 kernels in SSE4.1 intrinsics, for the native build on x86-64: the same
// algorithm as packed_wasm.cpp (see there), with _mm_madd_epi16 as the 8-MAC int16 dot.
#include <smmintrin.h>

#include "qlinear/kernels/packed_driver.hpp"

namespace qlinear::kernels {

namespace {

inline float horizontal_sum(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}

inline int32_t horizontal_sum_i32(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

struct Widened {
  __m128 f0, f1, f2, f3;
};
inline Widened widen_minus_zero_point(__m128i q, __m128 zp) {
  const __m128i lo = _mm_cvtepi8_epi16(q), hi = _mm_cvtepi8_epi16(_mm_srli_si128(q, 8));
  return {_mm_sub_ps(_mm_cvtepi32_ps(_mm_cvtepi16_epi32(lo)), zp),
          _mm_sub_ps(_mm_cvtepi32_ps(_mm_cvtepi16_epi32(_mm_srli_si128(lo, 8))), zp),
          _mm_sub_ps(_mm_cvtepi32_ps(_mm_cvtepi16_epi32(hi)), zp),
          _mm_sub_ps(_mm_cvtepi32_ps(_mm_cvtepi16_epi32(_mm_srli_si128(hi, 8))), zp)};
}

// Four accumulators per batch row, so the adds do not wait on each other.
struct Accumulators {
  __m128 a0, a1, a2, a3;
};

inline void fma4(Accumulators& acc, const float* x, const Widened& w) {
  acc.a0 = _mm_add_ps(acc.a0, _mm_mul_ps(_mm_loadu_ps(x), w.f0));
  acc.a1 = _mm_add_ps(acc.a1, _mm_mul_ps(_mm_loadu_ps(x + 4), w.f1));
  acc.a2 = _mm_add_ps(acc.a2, _mm_mul_ps(_mm_loadu_ps(x + 8), w.f2));
  acc.a3 = _mm_add_ps(acc.a3, _mm_mul_ps(_mm_loadu_ps(x + 12), w.f3));
}

template <int Rows>
struct W8A32Block {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, const float* bias, float* y,
                  std::size_t y_stride) {
    for (std::size_t j = 0; j < w.out_features; ++j) {
      const int8_t* row = w.values.data() + j * w.stride;
      const __m128 zp = _mm_set1_ps(static_cast<float>(w.zero_point[j]));
      Accumulators acc[Rows];
      for (int r = 0; r < Rows; ++r) acc[r] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
      for (std::size_t k = 0; k < w.stride; k += 16) {
        const Widened wk = widen_minus_zero_point(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k)), zp);
        for (int r = 0; r < Rows; ++r) fma4(acc[r], x + r * x_stride + k, wk);
      }
      for (int r = 0; r < Rows; ++r) {
        const __m128 sum = _mm_add_ps(_mm_add_ps(acc[r].a0, acc[r].a1), _mm_add_ps(acc[r].a2, acc[r].a3));
        y[r * y_stride + j] = w.scale[j] * horizontal_sum(sum) + (bias ? bias[j] : 0.0f);
      }
    }
  }
};

// Activations arrive widened to i16 (once per row); weights are widened per load.
inline void dot16(__m128i& acc_low, __m128i& acc_high, const int16_t* x16, __m128i wq_low, __m128i wq_high) {
  acc_low = _mm_add_epi32(acc_low, _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x16)), wq_low));
  acc_high = _mm_add_epi32(acc_high, _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + 8)), wq_high));
}

template <int Rows>
struct W8A8Block {
  static void run(const int16_t* x16, std::size_t stride, const QuantizedRowsView& x, std::size_t first_row,
                  const int32_t* x_sums, const PackedWeights& w, const float* bias, float* y) {
    for (std::size_t j = 0; j < w.out_features; ++j) {
      const int8_t* row = w.values.data() + j * w.stride;
      __m128i low[Rows], high[Rows];
      for (int r = 0; r < Rows; ++r) low[r] = high[r] = _mm_setzero_si128();
      for (std::size_t k = 0; k < w.stride; k += 16) {
        const __m128i wq = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k));
        const __m128i wq_low = _mm_cvtepi8_epi16(wq), wq_high = _mm_cvtepi8_epi16(_mm_srli_si128(wq, 8));
        for (int r = 0; r < Rows; ++r) dot16(low[r], high[r], x16 + (first_row + r) * stride + k, wq_low, wq_high);
      }
      for (int r = 0; r < Rows; ++r)
        y[(first_row + r) * w.out_features + j] =
            detail::w8a8_output(horizontal_sum_i32(_mm_add_epi32(low[r], high[r])), x, first_row + r, x_sums[r], w, j, bias);
    }
  }
};

}  // namespace

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  detail::drive_w8a32<W8A32Block>(x, x_stride, batch, w, bias, y);
}

void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Block>(x, w, bias, y);
}

}  // namespace qlinear::kernels
