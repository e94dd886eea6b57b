// W8A8 register tiles in WASM SIMD128 for the packed kernels' driver (packed_driver.hpp): R output
// rows × G batch rows, activations widened to i16 once per call. dispatch_wasm.cpp runs them for
// batches of one driver group (1, 2 or 4 rows) and, in the SIMD128 module, at batch 1. The same
// tiles take any int16 rows through i16_row_dots_wasm_simd128 (the W8A32 split kernel's).
//
// Weights read with sign-extending loads (v128.load8x8_s, one instruction in V8: pmovsxbw from
// memory) against the i16 activations, i32x4.dot_i16x8_s (8 MACs) into one i32x4 accumulator per
// (row, batch row); at batch 1 the two dots of 16 lanes are added together before they reach the
// accumulator, so its dependency chain is one add per 16 MACs.
#include <wasm_simd128.h>

#include <cstring>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

template <int R, int G>
struct W8A8Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 4 ? 2 : 4;
  // Batch 1 with rows of a page or more (K >= 4096): 8 rows a tile, 8 lanes a step (the general
  // loop below; 8 accumulators + 8 weight vectors + 1 activation vector spill a little). With
  // the weights coming from memory it streams 11 % faster than 4 rows (more streams in flight:
  // measured 1 row 4-6, 2 rows 8.2, 4 rows 9.7, 8 rows 10.8 GMAC/s at K 4096, bash
  // bench/wasm/run.sh 5 0 cold), and about 3 % slower with them in cache.
  static constexpr int kRowsLong = G == 1 ? 8 : kRows;

  // Batch 1: 16 lanes a step, the two dots summed before they reach the accumulator. kTouch: each
  // step also touches one cache line of the next tile's rows (the R·stride bytes right after
  // these; 64 bytes a step covers them in time). Wasm has no prefetch instruction, and with rows
  // shorter than a 4 KiB page several rows share a page, which the hardware prefetcher streams
  // badly: measured with cold weights (bench/wasm/run.sh 5 0 cold), K 1024 6.2 -> 8.4 GMAC/s, K 784
  // 6.3 -> 8.4, and warm K 1024 18 -> 21. At K >= 4096 (a page a row) the touches cost up to 12 %,
  // so that loop has none.
  template <bool kTouch>
  static void gemv(const int16_t* xp, const int16_t* end, const int8_t* (&wp)[R], const PackedWeights& w,
                   v128_t (&acc)[G][R]) {
    const int8_t* touch = wp[R - 1] + w.stride;
    const int8_t* const touch_last = w.values.data() + w.values.size() - 4;
    uint32_t sink = 0;
    for (; xp != end; xp += 16) {
      if constexpr (kTouch) {
        uint32_t word;
        std::memcpy(&word, touch < touch_last ? touch : touch_last, 4);
        sink += word;
        touch += 64;
      }
      const v128_t xl = wasm_v128_load(xp), xh = wasm_v128_load(xp + 8);
      for (int r = 0; r < R; ++r) {
        const v128_t wl = wasm_i16x8_load8x8(wp[r]), wh = wasm_i16x8_load8x8(wp[r] + 8);
        acc[0][r] = wasm_i32x4_add(acc[0][r], wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, wl), wasm_i32x4_dot_i16x8(xh, wh)));
        wp[r] += 16;
      }
    }
    if constexpr (kTouch) asm volatile("" : : "r"(sink));  // the touches must happen
  }

  // xstride == stride here (a multiple of 16, so of kLanes).
  static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j, int32_t raw[G][R]) {
    v128_t acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = wasm_i32x4_splat(0);
    // Every stream is a pointer bumped once a step (rather than base + k), which V8 turns into
    // loads from [memory + pointer + constant] without an address computation per load.
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = w.values.data() + (j + r) * stride;
    const int16_t* xp = xg;
    const int16_t* const end = xg + G * stride;
    if constexpr (G == 1 && R <= 4) {
      if (stride < 4096) gemv<true>(xp, end, wp, w, acc);
      else gemv<false>(xp, end, wp, w, acc);
    } else {
      for (; xp != end; xp += 8 * G) {
        v128_t xv[G];
        for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xp + 8 * b);
        for (int r = 0; r < R; ++r) {
          const v128_t wv = wasm_i16x8_load8x8(wp[r]);
          for (int b = 0; b < G; ++b) acc[b][r] = wasm_i32x4_add(acc[b][r], wasm_i32x4_dot_i16x8(xv[b], wv));
          wp[r] += 8;
        }
      }
    }
    for (int b = 0; b < G; ++b) store_sums_i32<R>(acc[b], raw[b]);
  }
};

}  // namespace

void w8a8_tiles_wasm_simd128(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Tile>(x, w, bias, y);
}

void i16_row_dots_wasm_simd128(const int16_t* xg, std::size_t group, const PackedWeights& w, int32_t* raw) {
  const std::size_t n = w.out_features, stride = w.stride;
  auto with_group = [&](auto g) {
    constexpr int G = decltype(g)::value, R = W8A8Tile<1, G>::kRows, RLong = W8A8Tile<1, G>::kRowsLong;
    auto tiles = [&](auto r, std::size_t j0, std::size_t j1) {
      constexpr int Rows = decltype(r)::value;
      std::size_t j = j0;
      auto one = [&](auto rows) {
        constexpr int T = decltype(rows)::value;
        int32_t out[G][T];
        W8A8Tile<T, G>::run(xg, stride, w, j, out);
        for (int t = 0; t < T; ++t)
          for (int b = 0; b < G; ++b) raw[(j + t) * G + b] = out[b][t];
        j += T;
      };
      while (j + Rows <= j1) one(detail::Int<Rows>{});
      while (j < j1) one(detail::Int<1>{});
    };
    for_each_row_block(n, G * stride, detail::kRowQuantum, [&](std::size_t j0, std::size_t j1) {
      if (RLong != R && stride >= 4096) tiles(detail::Int<RLong>{}, j0, j1);
      else tiles(detail::Int<R>{}, j0, j1);
    });
  };
  if (group == 4) with_group(detail::Int<4>{});
  else if (group == 2) with_group(detail::Int<2>{});
  else with_group(detail::Int<1>{});
}

}  // namespace qlinear::kernels
