// W8A8 register tiles in WASM SIMD128 for the packed kernels' driver (packed_driver.hpp): R output
// rows × G batch rows, activations widened to i16 once per call. dispatch_wasm.cpp runs them for
// batches of one driver group (1, 2 or 4 rows) and, in the SIMD128 module, at batch 1. The same
// tiles take any int16 rows through i16_row_dots_wasm_simd128 (the W8A32 split kernel's).
//
// Weights are read a row pair at a time (packed_weights.hpp): 16 bytes as i16x8 are, lane by
// lane, L = 256 · w_odd + (w_even + 128) for 8 consecutive k. Against 8 activations x,
// i32x4.dot_i16x8_s gives S = Σ x · L and, after one arithmetic shift, T = Σ x · (L >> 8) =
// Σ x · w_odd; then Σ x · w_even = S − 256 · T − 128 · Σ x. All of it in wrapping int32, which is
// exact because the true sums fit int32 (the products in a dot: |x| · |L| ≤ 255 · 32768, pairs
// of them under 2^31; int16 parts of the W8A32 split at most 2^30 in all). Per 16 MACs that is
// one shift, two dots and two adds, where sign-extending each row's bytes (v128.load8x8_s, one
// pmovsxbw from memory in V8) took two extends: 1.26x in the probe loop (bench/README.md, "Row
// pairs"). Σ x comes with the activations (x_sums).
#include <wasm_simd128.h>

#include <cassert>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

// raw[r] for R rows from j from their pairs' accumulators s[q] (Σ x·L) and t[q] (Σ x·w_odd), and
// Σ x; R = 1 takes row j of its pair, which may be the odd one.
template <int R>
inline void pair_sums(const v128_t* s, const v128_t* t, int32_t x_sum, std::size_t j, int32_t* raw) {
  const uint32_t bias = 128u * static_cast<uint32_t>(x_sum);
  if constexpr (R == 4) {
    const v128_t rows = unpair_sums_i32(sum4_i32(s[0], t[0], s[1], t[1]));
    wasm_v128_store(raw, wasm_i32x4_sub(rows, wasm_i32x4_make(static_cast<int32_t>(bias), 0, static_cast<int32_t>(bias), 0)));
  } else {
    const auto sq = static_cast<uint32_t>(hsum_i32(s[0])), tq = static_cast<uint32_t>(hsum_i32(t[0]));
    const auto even = static_cast<int32_t>(sq - 256u * tq - bias), odd = static_cast<int32_t>(tq);
    if constexpr (R == 2) {
      raw[0] = even;
      raw[1] = odd;
    } else {
      raw[0] = j % 2 == 0 ? even : odd;
    }
  }
}

template <int R, int G>
struct W8A8Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 4 ? 2 : 4;
  static constexpr int kPairs = (R + 1) / 2;

  // Batch 1: 16 lanes a step, each pair's two dots summed before they reach its accumulator. The
  // tile's rows are one packed row group, a single contiguous stream, which the hardware
  // prefetcher follows without help (touching ahead cost 20-30 % with the weights from memory,
  // and 8 rows a tile, two streams, was slower than 4: bench/README.md, "Interleaved rows").
  static void gemv(const int16_t* xp, const int16_t* end, const int8_t* p, v128_t (&s)[kPairs], v128_t (&t)[kPairs]) {
    for (; xp != end; xp += 16, p += 2 * kPackedPairStep) {
      const v128_t xl = wasm_v128_load(xp), xh = wasm_v128_load(xp + 8);
      for (int q = 0; q < kPairs; ++q) {
        const v128_t l0 = wasm_v128_load(p + kPackedPairBytes * q);
        const v128_t l1 = wasm_v128_load(p + kPackedPairStep + kPackedPairBytes * q);
        s[q] = wasm_i32x4_add(s[q], wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, l0), wasm_i32x4_dot_i16x8(xh, l1)));
        t[q] = wasm_i32x4_add(t[q], wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, wasm_i16x8_shr(l0, 8)),
                                                   wasm_i32x4_dot_i16x8(xh, wasm_i16x8_shr(l1, 8))));
      }
    }
  }

  // xstride == stride here (a multiple of 16, so of kLanes); x_sums: Σ of each of the G rows.
  static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j,
                  const int32_t* x_sums, int32_t raw[G][R]) {
    v128_t s[G][kPairs], t[G][kPairs];
    for (int b = 0; b < G; ++b)
      for (int q = 0; q < kPairs; ++q) s[b][q] = t[b][q] = wasm_i32x4_splat(0);
    // The tiles of the driver and of i16_row_dots start R rows from a multiple of R (R = 4, 2 or
    // 1), so their pairs lie in one packed row group: one pointer and constant offsets. Every
    // stream is a pointer bumped once a step (rather than base + k), which V8 turns into loads
    // from [memory + pointer + constant] without an address computation per load.
    assert(R == 1 || (j % 2 == 0 && j % kPackedRowGroup + R <= kPackedRowGroup));
    const int8_t* p = packed_pair(w, j);
    const int16_t* xp = xg;
    const int16_t* const end = xg + G * stride;
    if constexpr (G == 1) {
      gemv(xp, end, p, s[0], t[0]);
    } else {
      for (; xp != end; xp += 8 * G, p += kPackedPairStep) {
        v128_t xv[G];
        for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xp + 8 * b);
        for (int q = 0; q < kPairs; ++q) {
          const v128_t l = wasm_v128_load(p + kPackedPairBytes * q), odd = wasm_i16x8_shr(l, 8);
          for (int b = 0; b < G; ++b) {
            s[b][q] = wasm_i32x4_add(s[b][q], wasm_i32x4_dot_i16x8(xv[b], l));
            t[b][q] = wasm_i32x4_add(t[b][q], wasm_i32x4_dot_i16x8(xv[b], odd));
          }
        }
      }
    }
    for (int b = 0; b < G; ++b) pair_sums<R>(s[b], t[b], x_sums[b], j, raw[b]);
  }
};

}  // namespace

void w8a8_tiles_wasm_simd128(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Tile>(x, w, bias, y);
}

void i16_row_dots_wasm_simd128(const int16_t* xg, std::size_t group, const int32_t* x_sums, const PackedWeights& w,
                               int32_t* raw) {
  const std::size_t n = w.out_features, stride = w.stride;
  auto with_group = [&](auto g) {
    constexpr int G = decltype(g)::value, R = W8A8Tile<1, G>::kRows;
    auto tiles = [&](auto r, std::size_t j0, std::size_t j1) {
      constexpr int Rows = decltype(r)::value;
      std::size_t j = j0;
      auto one = [&](auto rows) {
        constexpr int T = decltype(rows)::value;
        int32_t out[G][T];
        W8A8Tile<T, G>::run(xg, stride, w, j, x_sums, out);
        for (int t = 0; t < T; ++t)
          for (int b = 0; b < G; ++b) raw[(j + t) * G + b] = out[b][t];
        j += T;
      };
      while (j + Rows <= j1) one(detail::Int<Rows>{});
      while (j < j1) one(detail::Int<1>{});
    };
    for_each_row_block(n, G * stride, detail::kRowQuantum,
                       [&](std::size_t j0, std::size_t j1) { tiles(detail::Int<R>{}, j0, j1); });
  };
  if (group == 4) with_group(detail::Int<4>{});
  else if (group == 2) with_group(detail::Int<2>{});
  else with_group(detail::Int<1>{});
}

}  // namespace qlinear::kernels
