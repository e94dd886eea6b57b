#pragma once
// The ISA-independent parts of the packed kernels, shared by the tile files of every target
// (*_wasm_simd128.cpp, w8a8_relaxed_dot_wasm.cpp, *_x86_*.cpp): how the [batch × out_features] output is cut into register tiles, the
// once-per-row widening of W8A8 activations, and the exact zero-point correction. Each ISA file
// supplies only its tiles: Tile<R, B>::run computes R output rows for B batch rows.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/kernels/scratch.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace qlinear::kernels::detail {

inline int32_t sum_u8(const uint8_t* p, std::size_t n) {
  int32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  return s;
}

// y = sx · sw_j · Σ(xq − zx)(wq − zw) + b_j for R consecutive output rows j.. of batch row b, the
// sum rebuilt exactly from the raw Σxq·wq: Σxq·wq − zx·Σwq − zw·Σxq + K·zx·zw. Written so that
// the compiler can turn it into a few vector instructions (a tile's epilogue was a fifth of a
// small layer's time as R scalar calls in int64). The correction runs in wrapping 32-bit arithmetic: the true
// Σ(xq − zx)(wq − zw) fits int32 (K <= kMaxW8A8InFeatures), so its value mod 2³² is itself,
// whatever the partial terms do; uint32 keeps the wrapping defined. even_row_offset: the raw sums
// of the even rows among them are Σxq·(wq + even_row_offset) (the wasm i16 panel's), which
// moves that row's zw in the zw·Σxq term only.
template <int R>
inline void w8a8_outputs(const int32_t* raw_dot, const QuantizedRowsView& x, std::size_t b, int32_t x_sum,
                         const PackedWeights& w, std::size_t j, const float* bias, float* out,
                         int32_t even_row_offset = 0) {
#ifdef __wasm_simd128__
  // clang 14 leaves the loops below scalar in wasm (about 20 instructions an output); the same
  // operations, four lanes at a time. i32x4 arithmetic wraps like the uint32 below.
  if constexpr (R % 4 == 0) {
    const v128_t zx = wasm_i32x4_splat(x.row_zero_point[b]), xs = wasm_i32x4_splat(x_sum);
    const v128_t kzx = wasm_i32x4_splat(static_cast<int32_t>(static_cast<uint32_t>(w.in_features) *
                                                             static_cast<uint32_t>(x.row_zero_point[b])));
    const v128_t sx = wasm_f32x4_splat(x.row_scale[b]);
    const v128_t even_plus = j % 2 == 0 ? wasm_i32x4_make(even_row_offset, 0, even_row_offset, 0)
                                        : wasm_i32x4_make(0, even_row_offset, 0, even_row_offset);
    for (int r = 0; r < R; r += 4) {
      const v128_t zw = wasm_v128_load(w.zero_point.data() + j + r);
      const v128_t raw = wasm_v128_load(raw_dot + r), row_sum = wasm_v128_load(w.row_sum.data() + j + r);
      const v128_t exact = wasm_i32x4_add(
          wasm_i32x4_sub(wasm_i32x4_sub(raw, wasm_i32x4_mul(zx, row_sum)), wasm_i32x4_mul(wasm_i32x4_add(zw, even_plus), xs)),
          wasm_i32x4_mul(kzx, zw));
      v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(sx, wasm_v128_load(w.scale.data() + j + r)), wasm_f32x4_convert_i32x4(exact));
      // + 0 without a bias, as the reference does: it turns a -0 into +0.
      wasm_v128_store(out + r, wasm_f32x4_add(y, bias ? wasm_v128_load(bias + j + r) : wasm_f32x4_splat(0.0f)));
    }
    return;
  }
#endif
  const auto zx = static_cast<uint32_t>(x.row_zero_point[b]);
  const auto k = static_cast<uint32_t>(w.in_features);
  const auto xs = static_cast<uint32_t>(x_sum);
  const float sx = x.row_scale[b];
  const int32_t* zw = w.zero_point.data() + j;
  const int32_t* row_sum = w.row_sum.data() + j;
  const float* sw = w.scale.data() + j;
  float dots[R];
  for (int r = 0; r < R; ++r) {
    const auto z = static_cast<uint32_t>(zw[r]);
    const uint32_t z_plus = z + ((j + r) % 2 == 0 ? static_cast<uint32_t>(even_row_offset) : 0u);
    const uint32_t exact = static_cast<uint32_t>(raw_dot[r]) - zx * static_cast<uint32_t>(row_sum[r]) - z_plus * xs + k * zx * z;
    dots[r] = sx * sw[r] * static_cast<float>(static_cast<int32_t>(exact));
  }
  // + 0 without a bias, as the reference does: it turns a -0 into +0.
  for (int r = 0; r < R; ++r) out[r] = dots[r] + (bias ? bias[j + r] : 0.0f);
}

template <int N>
using Int = std::integral_constant<int, N>;

// Calls f(Int<r>, Int<b>, j, b0) for every tile of output rows [j0, j1) × the batch: R output
// rows × B batch rows where they fit, then the leftover batch rows one by one, then the leftover
// output rows one by one. Output rows are the outer loop, so a tile's R weight rows stay in L1
// while every batch row streams past them; each weight byte is read from memory once per call.
template <int R, int B, class F>
void for_each_tile(std::size_t j0, std::size_t j1, std::size_t batch, F&& f) {
  std::size_t j = j0;
  for (; j + R <= j1; j += R) {
    std::size_t b = 0;
    for (; b + B <= batch; b += B) f(Int<R>{}, Int<B>{}, j, b);
    for (; b < batch; ++b) f(Int<R>{}, Int<1>{}, j, b);
  }
  for (; j < j1; ++j) {
    std::size_t b = 0;
    for (; b + B <= batch; b += B) f(Int<1>{}, Int<B>{}, j, b);
    for (; b < batch; ++b) f(Int<1>{}, Int<1>{}, j, b);
  }
}

// Threads split output rows in multiples of this many: a multiple of every tile's row count
// (1, 2, 3, 4, 8, 12), so that a block boundary never moves a row into another kind of tile.
constexpr std::size_t kRowQuantum = 24;

// W8A32 with tiles Tile<R, B>::run(x, x_stride, w, j, sums) that leave sums[b][r] = Σ_k x·(w − zw)
// (unscaled); R1×1 tiles at batch 1 (several weight rows per pass over x), RB×B tiles batched.
template <template <int, int> class Tile, int R1, int RB, int B>
void drive_w8a32(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w, const float* bias,
                 float* y) {
  const std::size_t n = w.out_features;
  auto tile = [&](auto r, auto b, std::size_t j, std::size_t b0) {
    constexpr int Rows = decltype(r)::value, Batch = decltype(b)::value;
    float sums[Batch][Rows];
    Tile<Rows, Batch>::run(x + b0 * x_stride, x_stride, w, j, sums);
    for (int bb = 0; bb < Batch; ++bb)
      for (int rr = 0; rr < Rows; ++rr)
        y[(b0 + bb) * n + j + rr] = w.scale[j + rr] * sums[bb][rr] + (bias ? bias[j + rr] : 0.0f);
  };
  for_each_row_block(n, batch * w.stride, kRowQuantum, [&](std::size_t j0, std::size_t j1) {
    if (batch == 1)
      for_each_tile<R1, 1>(j0, j1, batch, tile);
    else
      for_each_tile<RB, B>(j0, j1, batch, tile);
  });
}

// W8A8: activations copied once per call into the element type the tiles read
// (Tile<1, 1>::XType: int16 for the madd/dot kernels, so that every weight row then streams only
// its int8 bytes against them; uint8 for VNNI), in groups of 4, then 2, then 1 batch rows. A
// group of G rows is stored interleaved, kLanes lanes of each row in turn ([k / L][G][L], rows
// padded to a multiple of L with zeros), so a tile reads it through one pointer and constant
// offsets (V8 folds those into the load; separate row pointers each cost an address computation
// per step). Tiles Tile<R, G>::run(xg, xstride, w, j, x_sums, raw) (x_sums: Σ_k xq of each of the
// group's rows) leave raw[g][r] = Σ_k xq·wq for R
// weight rows from j, corrected for both zero points here; R is Tile<1, G>::kRows where it fits,
// else 1. Output rows are cut into blocks of about 256 KiB
// of weights (L2) and every group passes over a block before the next, so weights come from
// memory once per call and from L2 once per group.
// Batch rows are taken in groups of 4, then 2, then 1.
inline std::size_t group_size(std::size_t remaining) { return remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1; }

template <template <int, int> class Tile>
void drive_w8a8(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  using XType = typename Tile<1, 1>::XType;
  constexpr std::size_t kLanes = Tile<1, 1>::kLanes;
  const std::size_t stride = w.stride, n = w.out_features;
  const std::size_t xstride = (stride + kLanes - 1) / kLanes * kLanes;
  XType* xs = zeroed_scratch<XType>(ScratchSlot::tile_activations, x.batch * xstride);
  int32_t* x_sums = scratch<int32_t>(ScratchSlot::tile_sums, x.batch);
  for (std::size_t b = 0; b < x.batch;) {
    const std::size_t g = group_size(x.batch - b);
    for (std::size_t r = 0; r < g; ++r) {
      const uint8_t* row = x.values + (b + r) * x.row_stride;
      XType* out = xs + b * xstride + r * kLanes;
      // Whole blocks of kLanes with a constant-length inner loop (which the compiler vectorizes),
      // then the tail.
      const std::size_t whole = x.in_features / kLanes * kLanes;
      for (std::size_t k = 0; k < whole; k += kLanes)
        for (std::size_t l = 0; l < kLanes; ++l) out[k * g + l] = row[k + l];
      for (std::size_t k = whole; k < x.in_features; ++k) out[whole * g + k % kLanes] = row[k];
      x_sums[b + r] = sum_u8(row, x.in_features);
    }
    b += g;
  }
  auto run = [&](auto r, auto g, std::size_t j, std::size_t b0) {
    constexpr int Rows = decltype(r)::value, G = decltype(g)::value;
    int32_t raw[G][Rows];
    Tile<Rows, G>::run(xs + b0 * xstride, xstride, w, j, x_sums + b0, raw);
    for (int bb = 0; bb < G; ++bb)
      w8a8_outputs<Rows>(raw[bb], x, b0 + bb, x_sums[b0 + bb], w, j, bias, y + (b0 + bb) * n + j);
  };
  auto rows_from = [&](auto r, auto g, std::size_t j0, std::size_t j1, std::size_t b0) {
    constexpr int R = decltype(r)::value;
    std::size_t j = j0;
    for (; j + R <= j1; j += R) run(r, g, j, b0);
    for (; j < j1; ++j) run(Int<1>{}, g, j, b0);
  };
  // Tile<1, G>::kRows rows a tile.
  auto pass = [&](auto g, std::size_t b0, std::size_t j0, std::size_t j1) {
    constexpr int G = decltype(g)::value;
    rows_from(Int<Tile<1, G>::kRows>{}, g, j0, j1, b0);
  };
  // Each thread's rows (partition.hpp) in L2 blocks.
  const std::size_t block = std::max<std::size_t>(4, (std::size_t{256} << 10) / std::max<std::size_t>(stride, 1) / 4 * 4);
  for_each_row_block(n, x.batch * stride, kRowQuantum, [&](std::size_t rows_begin, std::size_t rows_end) {
    for (std::size_t j0 = rows_begin; j0 < rows_end; j0 += block) {
      const std::size_t j1 = std::min(rows_end, j0 + block);
      for (std::size_t b = 0; b < x.batch; b += group_size(x.batch - b)) {
        const std::size_t g = group_size(x.batch - b);
        if (g == 4) pass(Int<4>{}, b, j0, j1);
        else if (g == 2) pass(Int<2>{}, b, j0, j1);
        else pass(Int<1>{}, b, j0, j1);
      }
    }
  });
}

}  // namespace qlinear::kernels::detail
