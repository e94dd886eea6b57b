// The packed int8 kernels in SSE4.1 intrinsics, for the native build on x86-64: the same
// algorithm as packed_wasm.cpp (see there), with _mm_madd_epi16 as the 8-MAC int16 dot.
#include <smmintrin.h>

#include <vector>

#include "qlinear/kernels/packed.hpp"

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
void w8a32_block(const float* x, std::size_t x_stride, const PackedWeights& w, const float* bias, float* y,
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

// Activations arrive widened to i16 (once per row); weights are widened per load.
inline void dot16(__m128i& acc_low, __m128i& acc_high, const int16_t* x16, __m128i wq_low, __m128i wq_high) {
  acc_low = _mm_add_epi32(acc_low, _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x16)), wq_low));
  acc_high = _mm_add_epi32(acc_high, _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + 8)), wq_high));
}

template <int Rows>
void w8a8_block(const int16_t* x16, std::size_t stride, const QuantizedRowsView& x, std::size_t first_row,
                const int32_t* x_sums, const PackedWeights& w, const float* bias, float* y) {
  const auto k_total = static_cast<int64_t>(w.in_features);
  for (std::size_t j = 0; j < w.out_features; ++j) {
    const int8_t* row = w.values.data() + j * w.stride;
    __m128i low[Rows], high[Rows];
    for (int r = 0; r < Rows; ++r) low[r] = high[r] = _mm_setzero_si128();
    for (std::size_t k = 0; k < w.stride; k += 16) {
      const __m128i wq = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k));
      const __m128i wq_low = _mm_cvtepi8_epi16(wq), wq_high = _mm_cvtepi8_epi16(_mm_srli_si128(wq, 8));
      for (int r = 0; r < Rows; ++r) dot16(low[r], high[r], x16 + (first_row + r) * stride + k, wq_low, wq_high);
    }
    for (int r = 0; r < Rows; ++r) {
      const std::size_t b = first_row + r;
      const int64_t zx = x.row_zero_point[b], zw = w.zero_point[j];
      const int64_t dot = horizontal_sum_i32(_mm_add_epi32(low[r], high[r]));
      const int64_t exact = dot - zx * w.row_sum[j] - zw * x_sums[r] + k_total * zx * zw;
      y[b * w.out_features + j] = x.row_scale[b] * w.scale[j] * static_cast<float>(static_cast<int32_t>(exact)) +
                                  (bias ? bias[j] : 0.0f);
    }
  }
}

int32_t sum_u8(const uint8_t* p, std::size_t n) {
  int32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  return s;
}

}  // namespace

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  std::size_t b = 0;
  for (; b + 4 <= batch; b += 4) w8a32_block<4>(x + b * x_stride, x_stride, w, bias, y + b * w.out_features, w.out_features);
  for (; b < batch; ++b) w8a32_block<1>(x + b * x_stride, x_stride, w, bias, y + b * w.out_features, w.out_features);
}

void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  std::vector<int16_t> x16(x.batch * w.stride, 0);
  for (std::size_t b = 0; b < x.batch; ++b)
    for (std::size_t k = 0; k < x.in_features; ++k) x16[b * w.stride + k] = x.values[b * x.row_stride + k];
  std::size_t b = 0;
  int32_t sums[4];
  for (; b + 4 <= x.batch; b += 4) {
    for (int r = 0; r < 4; ++r) sums[r] = sum_u8(x.values + (b + r) * x.row_stride, x.in_features);
    w8a8_block<4>(x16.data(), w.stride, x, b, sums, w, bias, y);
  }
  for (; b < x.batch; ++b) {
    sums[0] = sum_u8(x.values + b * x.row_stride, x.in_features);
    w8a8_block<1>(x16.data(), w.stride, x, b, sums, w, bias, y);
  }
}

}  // namespace qlinear::kernels
