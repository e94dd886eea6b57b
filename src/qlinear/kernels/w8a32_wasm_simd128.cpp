// The packed W8A32 kernels (int8 weights, fp32 activations) in WASM SIMD128: register tiles of
// R output rows × B batch rows (the loops around them are in packed_driver.hpp), and from 4 batch
// rows an f32 panel (dispatch_wasm.cpp chooses).
//
// W8A32: int8 → f32 without the int → float conversion instruction: the bytes, zero-extended to
// i16 as w + 128 ∈ [0, 255] (an even row of a packed pair holds its bytes so; an odd row's are
// shifted down and flipped: packed_weights.hpp), are interleaved with the i16 0x4B00, which makes
// each 32-bit lane the float 2²³ + (w + 128); subtracting 2²³ + 128 + zw leaves w − zw, exact
// (both are integers below 2²⁴). Three or four instructions per 8 weights (and, or shift and
// xor; two unpacks) plus the subtraction, where extend + convert took twice that and needed an
// asm barrier to keep clang 14 from scalarizing it. From 4 batch rows on, each weight is converted once per call into a small
// f32 panel and the inner loop is a plain f32 GEMM tile (w8a32_batched).
#include <wasm_simd128.h>

#include <algorithm>
#include <cassert>
#include <vector>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

inline float hsum_f32(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2)), 0);
}

// The 8 weights of one row in a row pair's vector l (packed_weights.hpp) as i16 lanes w + 128.
inline v128_t row_plus_128(v128_t l, bool odd) {
  return odd ? wasm_v128_xor(wasm_u16x8_shr(l, 8), wasm_i16x8_const_splat(0x80))
             : wasm_v128_and(l, wasm_i16x8_const_splat(0xff));
}

// 8 weights as i16 lanes w + 128, minus the zero point, as two f32x4 (see the top of the file);
// minus_bias is the f32 splat 2²³ + 128 + zw.
inline void weights_to_f32(v128_t u, v128_t minus_bias, v128_t& f0, v128_t& f1) {
  const v128_t magic = wasm_i16x8_const_splat(0x4B00);
  f0 = wasm_f32x4_sub(wasm_i16x8_shuffle(u, magic, 0, 8, 1, 9, 2, 10, 3, 11), minus_bias);
  f1 = wasm_f32x4_sub(wasm_i16x8_shuffle(u, magic, 4, 12, 5, 13, 6, 14, 7, 15), minus_bias);
}

template <int R, int B>
struct W8A32Tile {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, std::size_t j, float sums[B][R]) {
    const std::size_t stride = w.stride;
    v128_t minus_bias[R], acc[B][R];
    for (int r = 0; r < R; ++r) minus_bias[r] = wasm_f32x4_splat(8388608.0f + 128.0f + static_cast<float>(w.zero_point[j + r]));
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = wasm_f32x4_splat(0.0f);
    // Each row through its pair's vectors, 8 weights a step; R = 2 from an even row (the
    // driver's tiles start at multiples of R), R = 1 any row.
    assert(R == 1 || j % 2 == 0);
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = packed_pair(w, j + r);
    const bool odd_one = j % 2 == 1;
    for (const float *xp = x, *const end = x + stride; xp != end; xp += 8) {
      v128_t x0[B], x1[B];
      for (int b = 0; b < B; ++b) {
        x0[b] = wasm_v128_load(xp + b * x_stride);
        x1[b] = wasm_v128_load(xp + b * x_stride + 4);
      }
      for (int r = 0; r < R; ++r) {
        v128_t f0, f1;
        weights_to_f32(row_plus_128(wasm_v128_load(wp[r]), R == 1 ? odd_one : r % 2 == 1), minus_bias[r], f0, f1);
        wp[r] += kPackedPairStep;
        for (int b = 0; b < B; ++b)
          acc[b][r] = wasm_f32x4_add(acc[b][r], wasm_f32x4_add(wasm_f32x4_mul(x0[b], f0), wasm_f32x4_mul(x1[b], f1)));
      }
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) sums[b][r] = hsum_f32(acc[b][r]);
  }
};

// Batched W8A32: every weight is converted once per call into a small f32 panel and reused by
// every batch row, so the inner loop is a plain f32 GEMM tile. Panel rows are interleaved
// ([k / 4][kPanelRows][4]) and activations copied into interleaved groups of G rows
// ([k / 4][G][4]), so a tile reads each through one pointer and constant offsets.
constexpr int kPanelRows = 4;

// wf: the panel of rows r0.. (the first of R), P rows interleaved; xg: a group of G rows; len
// lanes of each. Adds the dot products to sums.
template <int R, int G, int P>
inline void f32_tile(const float* xg, const float* wf, std::size_t len, float* sums) {
  v128_t acc[G][R];
  for (int b = 0; b < G; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = wasm_f32x4_splat(0.0f);
  for (const float* const end = xg + G * len; xg != end; xg += 4 * G, wf += 4 * P) {
    v128_t xv[G];
    for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xg + 4 * b);
    for (int r = 0; r < R; ++r) {
      const v128_t wv = wasm_v128_load(wf + 4 * r);
      for (int b = 0; b < G; ++b) acc[b][r] = wasm_f32x4_add(acc[b][r], wasm_f32x4_mul(xv[b], wv));
    }
  }
  for (int b = 0; b < G; ++b)
    for (int r = 0; r < R; ++r) sums[b * P + r] += hsum_f32(acc[b][r]);
}

// Lanes [k0, k0 + len) of the panel of P rows from j: w − zw as exact floats, interleaved.
template <int P>
inline void convert_panel(const PackedWeights& w, std::size_t j, std::size_t k0, std::size_t len, float* panel) {
  for (int r = 0; r < P; ++r) {
    const v128_t minus_bias = wasm_f32x4_splat(8388608.0f + 128.0f + static_cast<float>(w.zero_point[j + r]));
    const int8_t* pair = packed_pair(w, j + r) + k0 / 8 * kPackedPairStep;
    const bool odd = (j + r) % 2 == 1;
    float* out = panel + 4 * r;
    // 8 weights a step (len is a multiple of 16), from the row's pair vector.
    for (std::size_t k = 0; k < len; k += 8, pair += kPackedPairStep, out += 8 * P) {
      v128_t f0, f1;
      weights_to_f32(row_plus_128(wasm_v128_load(pair), odd), minus_bias, f0, f1);
      wasm_v128_store(out, f0);
      wasm_v128_store(out + 4 * P, f1);
    }
  }
}

void w8a32_batched(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w, const float* bias,
                   float* y) {
  const std::size_t stride = w.stride, n = w.out_features;
  // At most 32 batch rows at a time, so that their activations stay in L2 (32 x 16 KiB at K
  // 4096) while every panel passes over them; the weights are converted once per 32 rows.
  constexpr std::size_t kBatchBlock = 32;
  if (batch > kBatchBlock) {
    for (std::size_t b = 0; b < batch; b += kBatchBlock)
      w8a32_batched(x + b * x_stride, x_stride, std::min(kBatchBlock, batch - b), w, bias, y + b * n);
    return;
  }
  std::vector<float> xs(batch * stride);
  for (std::size_t b = 0; b < batch;) {
    const std::size_t g = detail::group_size(batch - b);
    for (std::size_t r = 0; r < g; ++r) {
      const float* row = x + (b + r) * x_stride;
      float* out = xs.data() + b * stride + 4 * r;
      for (std::size_t k = 0; k < stride; k += 4)
        for (std::size_t l = 0; l < 4; ++l) out[k * g + l] = row[k + l];
    }
    b += g;
  }
  // The panel and a group's activations are taken kChunk lanes at a time, so that both stay in
  // L1 (48 KiB here) at any K: 16 + 16 KiB.
  constexpr std::size_t kChunk = 1024;
  // Tiles over a panel: 2 rows x 4 batch rows, 4 x 2, 4 x 1 (8 accumulators at most). The panel
  // and its sums are each thread's own (scratch is per thread); xs is shared, read only.
  auto over_panel = [&](std::size_t j, auto panel_rows) {
    constexpr int P = decltype(panel_rows)::value;
    float* panel = scratch<float>(ScratchSlot::tile_panel, kPanelRows * std::min(stride, kChunk));
    float* sums = scratch<float>(ScratchSlot::tile_panel_sums, batch * kPanelRows);
    auto emit = [&](auto rows, auto grp, std::size_t r0, std::size_t b0, std::size_t k0, std::size_t len, auto) {
      constexpr int R = decltype(rows)::value, G = decltype(grp)::value;
      f32_tile<R, G, P>(xs.data() + b0 * stride + k0 * G, panel + 4 * r0, len, sums + b0 * P + r0);
    };
    std::fill(sums, sums + batch * P, 0.0f);
    for (std::size_t k0 = 0; k0 < stride; k0 += kChunk) {
      const std::size_t len = std::min(kChunk, stride - k0);
      convert_panel<P>(w, j, k0, len, panel);
      for (std::size_t b = 0; b < batch; b += detail::group_size(batch - b)) {
        const std::size_t g = detail::group_size(batch - b);
        if (g == 4) {
          for (int r0 = 0; r0 + 2 <= P; r0 += 2) emit(detail::Int<2>{}, detail::Int<4>{}, r0, b, k0, len, panel_rows);
          if constexpr (P % 2 == 1) emit(detail::Int<1>{}, detail::Int<4>{}, P - 1, b, k0, len, panel_rows);
        } else if (g == 2) {
          emit(detail::Int<P>{}, detail::Int<2>{}, 0, b, k0, len, panel_rows);
        } else {
          emit(detail::Int<P>{}, detail::Int<1>{}, 0, b, k0, len, panel_rows);
        }
      }
    }
    for (std::size_t b = 0; b < batch; ++b)
      for (int r = 0; r < P; ++r)
        y[b * n + j + r] = w.scale[j + r] * sums[b * P + r] + (bias ? bias[j + r] : 0.0f);
  };
  for_each_row_block(n, batch * stride, detail::kRowQuantum, [&](std::size_t j0, std::size_t j1) {
    std::size_t j = j0;
    for (; j + kPanelRows <= j1; j += kPanelRows) over_panel(j, detail::Int<kPanelRows>{});
    for (; j < j1; ++j) over_panel(j, detail::Int<1>{});
  });
}

}  // namespace

void w8a32_tiles_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                              const float* bias, float* y) {
  detail::drive_w8a32<W8A32Tile, 2, 2, 4>(x, x_stride, batch, w, bias, y);
}

void w8a32_f32_panel_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                                  const float* bias, float* y) {
  w8a32_batched(x, x_stride, batch, w, bias, y);
}

}  // namespace qlinear::kernels
