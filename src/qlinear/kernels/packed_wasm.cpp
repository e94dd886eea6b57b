// The packed int8 kernels in WASM SIMD128 (<wasm_simd128.h>), for the wasm build.
//
// W8A32 streams each weight byte once: 16 int8 → 2×i16x8 → 4×i32x4 → 4×f32x4, minus the zero
// point, times x, accumulated in f32x4. W8A8 widens u8 activations and i8 weights to i16x8 and
// uses i32x4.dot_i16x8_s (8 MACs an instruction) into i32x4 accumulators. Both work on blocks
// of 4 batch rows, so each weight vector loaded is used 4 times when the batch allows.
#include <wasm_simd128.h>

#include "qlinear/kernels/packed_driver.hpp"

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
struct W8A32Block {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, const float* bias, float* y,
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
};

// Σ_k xq·wq for 16 lanes: activations already widened to i16 (once per row, not once per output),
// weights widened here, two i32x4.dot_i16x8_s into two accumulators (independent add chains).
inline void dot16(v128_t& acc_low, v128_t& acc_high, const int16_t* x16, v128_t wq_low, v128_t wq_high) {
  acc_low = wasm_i32x4_add(acc_low, wasm_i32x4_dot_i16x8(wasm_v128_load(x16), wq_low));
  acc_high = wasm_i32x4_add(acc_high, wasm_i32x4_dot_i16x8(wasm_v128_load(x16 + 8), wq_high));
}

template <int Rows>
struct W8A8Block {
  static void run(const int16_t* x16, std::size_t stride, const QuantizedRowsView& x, std::size_t first_row,
                  const int32_t* x_sums, const PackedWeights& w, const float* bias, float* y) {
    for (std::size_t j = 0; j < w.out_features; ++j) {
      const int8_t* row = w.values.data() + j * w.stride;
      v128_t low[Rows], high[Rows];
      for (int r = 0; r < Rows; ++r) low[r] = high[r] = wasm_i32x4_splat(0);
      for (std::size_t k = 0; k < w.stride; k += 16) {
        const v128_t wq = wasm_v128_load(row + k);
        const v128_t wq_low = wasm_i16x8_extend_low_i8x16(wq), wq_high = wasm_i16x8_extend_high_i8x16(wq);
        for (int r = 0; r < Rows; ++r) dot16(low[r], high[r], x16 + (first_row + r) * stride + k, wq_low, wq_high);
      }
      for (int r = 0; r < Rows; ++r)
        y[(first_row + r) * w.out_features + j] =
            detail::w8a8_output(horizontal_sum_i32(wasm_i32x4_add(low[r], high[r])), x, first_row + r, x_sums[r], w, j, bias);
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
