// The packed int8 kernels in WASM SIMD128 (<wasm_simd128.h>), for the wasm build.
//
// W8A32 streams each weight byte once: 16 int8 → 2×i16x8 → 4×i32x4 → 4×f32x4, minus the zero
// point, times x, accumulated in f32x4. W8A8 widens u8 activations and i8 weights to i16x8 and
// uses i32x4.dot_i16x8_s (8 MACs an instruction) into i32x4 accumulators. Both work on blocks
// of 4 batch rows, so each weight vector loaded is used 4 times when the batch allows.
#include <wasm_simd128.h>

#include <vector>

#include "qlinear/kernels/packed.hpp"

namespace qlinear::kernels {

namespace {

inline float horizontal_sum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

inline int32_t horizontal_sum_i32(v128_t v) {
  return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
         wasm_i32x4_extract_lane(v, 3);
}

// int8 lanes → 4 f32x4 minus the zero point (exact: small integers).
struct Widened {
  v128_t f0, f1, f2, f3;
};
inline Widened widen_minus_zero_point(v128_t q, v128_t zp) {
  const v128_t lo = wasm_i16x8_extend_low_i8x16(q), hi = wasm_i16x8_extend_high_i8x16(q);
  v128_t i0 = wasm_i32x4_extend_low_i16x8(lo), i1 = wasm_i32x4_extend_high_i16x8(lo);
  v128_t i2 = wasm_i32x4_extend_low_i16x8(hi), i3 = wasm_i32x4_extend_high_i16x8(hi);
  // clang 14 pattern-matches extend+convert into per-lane scalar code unless it cannot see
  // through the integer vectors (TOOLCHAIN.md, pitfall 3); the empty asm hides them.
  asm volatile("" : "+X"(i0), "+X"(i1), "+X"(i2), "+X"(i3));
  return {wasm_f32x4_sub(wasm_f32x4_convert_i32x4(i0), zp), wasm_f32x4_sub(wasm_f32x4_convert_i32x4(i1), zp),
          wasm_f32x4_sub(wasm_f32x4_convert_i32x4(i2), zp), wasm_f32x4_sub(wasm_f32x4_convert_i32x4(i3), zp)};
}

// Four accumulators per batch row: one f32x4 add chain would make the loop wait on add latency.
struct Accumulators {
  v128_t a0, a1, a2, a3;
};

inline void fma4(Accumulators& acc, const float* x, const Widened& w) {
  acc.a0 = wasm_f32x4_add(acc.a0, wasm_f32x4_mul(wasm_v128_load(x), w.f0));
  acc.a1 = wasm_f32x4_add(acc.a1, wasm_f32x4_mul(wasm_v128_load(x + 4), w.f1));
  acc.a2 = wasm_f32x4_add(acc.a2, wasm_f32x4_mul(wasm_v128_load(x + 8), w.f2));
  acc.a3 = wasm_f32x4_add(acc.a3, wasm_f32x4_mul(wasm_v128_load(x + 12), w.f3));
}

template <int Rows>
void w8a32_block(const float* x, std::size_t x_stride, const PackedWeights& w, const float* bias, float* y,
                 std::size_t y_stride) {
  for (std::size_t j = 0; j < w.out_features; ++j) {
    const int8_t* row = w.values.data() + j * w.stride;
    const v128_t zp = wasm_f32x4_splat(static_cast<float>(w.zero_point[j]));
    Accumulators acc[Rows];
    for (int r = 0; r < Rows; ++r) acc[r] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
    for (std::size_t k = 0; k < w.stride; k += 16) {
      const Widened wk = widen_minus_zero_point(wasm_v128_load(row + k), zp);
      for (int r = 0; r < Rows; ++r) fma4(acc[r], x + r * x_stride + k, wk);
    }
    for (int r = 0; r < Rows; ++r) {
      const v128_t sum = wasm_f32x4_add(wasm_f32x4_add(acc[r].a0, acc[r].a1), wasm_f32x4_add(acc[r].a2, acc[r].a3));
      y[r * y_stride + j] = w.scale[j] * horizontal_sum(sum) + (bias ? bias[j] : 0.0f);
    }
  }
}

// Σ_k xq·wq for 16 lanes: activations already widened to i16 (once per row, not once per output),
// weights widened here, two i32x4.dot_i16x8_s into two accumulators (independent add chains).
inline void dot16(v128_t& acc_low, v128_t& acc_high, const int16_t* x16, v128_t wq_low, v128_t wq_high) {
  acc_low = wasm_i32x4_add(acc_low, wasm_i32x4_dot_i16x8(wasm_v128_load(x16), wq_low));
  acc_high = wasm_i32x4_add(acc_high, wasm_i32x4_dot_i16x8(wasm_v128_load(x16 + 8), wq_high));
}

template <int Rows>
void w8a8_block(const int16_t* x16, std::size_t stride, const QuantizedRowsView& x, std::size_t first_row,
                const int32_t* x_sums, const PackedWeights& w, const float* bias, float* y) {
  const auto k_total = static_cast<int64_t>(w.in_features);
  for (std::size_t j = 0; j < w.out_features; ++j) {
    const int8_t* row = w.values.data() + j * w.stride;
    v128_t low[Rows], high[Rows];
    for (int r = 0; r < Rows; ++r) low[r] = high[r] = wasm_i32x4_splat(0);
    for (std::size_t k = 0; k < w.stride; k += 16) {
      const v128_t wq = wasm_v128_load(row + k);
      const v128_t wq_low = wasm_i16x8_extend_low_i8x16(wq), wq_high = wasm_i16x8_extend_high_i8x16(wq);
      for (int r = 0; r < Rows; ++r) dot16(low[r], high[r], x16 + (first_row + r) * stride + k, wq_low, wq_high);
    }
    for (int r = 0; r < Rows; ++r) {
      const std::size_t b = first_row + r;
      const int64_t zx = x.row_zero_point[b], zw = w.zero_point[j];
      // Σ(xq − zx)(wq − zw) = Σxq·wq − zx·Σwq − zw·Σxq + K·zx·zw; the corrections in int64.
      const int64_t dot = horizontal_sum_i32(wasm_i32x4_add(low[r], high[r]));
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
  // Activations widened to int16 once; every output row then streams only its int8 weights.
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
