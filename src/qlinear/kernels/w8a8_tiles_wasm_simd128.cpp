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

#include <cassert>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

template <int R, int G>
struct W8A8Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 4 ? 2 : 4;
  // Batch 1: 16 lanes a step, the two dots summed before they reach the accumulator. The R rows
  // from a multiple of 4 are one packed row group, a single contiguous stream (packed_weights.hpp),
  // which the hardware prefetcher follows without help: touching the next group ahead (as this
  // loop did over plain rows, where it helped) now cost 20-30 % with the weights coming from
  // memory at K 784 and 1024, and 8 rows a tile (two streams) was slower than 4 (bench/README.md,
  // "Interleaved rows").
  static void gemv(const int16_t* xp, const int16_t* end, const int8_t* (&wp)[R], v128_t (&acc)[G][R]) {
    for (; xp != end; xp += 16) {
      const v128_t xl = wasm_v128_load(xp), xh = wasm_v128_load(xp + 8);
      for (int r = 0; r < R; ++r) {
        const v128_t wl = wasm_i16x8_load8x8(wp[r]), wh = wasm_i16x8_load8x8(wp[r] + 8);
        acc[0][r] = wasm_i32x4_add(acc[0][r], wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, wl), wasm_i32x4_dot_i16x8(xh, wh)));
        wp[r] += kPackedRowStep;
      }
    }
  }

  // xstride == stride here (a multiple of 16, so of kLanes).
  static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j, int32_t raw[G][R]) {
    v128_t acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = wasm_i32x4_splat(0);
    // Every stream is a pointer bumped once a step (rather than base + k), which V8 turns into
    // loads from [memory + pointer + constant] without an address computation per load.
    const int16_t* xp = xg;
    const int16_t* const end = xg + G * stride;
    if constexpr (G == 1) {
      const int8_t* wp[R];
      for (int r = 0; r < R; ++r) wp[r] = packed_row(w, j + r);
      gemv(xp, end, wp, acc);
    } else {
      // 8 lanes a step. A row's 16-byte pieces are kPackedRowStep apart, so the pointer moves 8
      // bytes, then on to the next piece. The tiles of the driver and of i16_row_dots start R rows
      // from a multiple of R (R = 4, 2 or 1), so their rows lie in one packed row group: one
      // pointer and constant offsets (a pointer per row cost W8A32 at batch 1, whose two int16
      // parts run here, about 10 % on small layers). A loop over whole pieces, two dots each,
      // made clang merge the pairs and keep 4 activation vectors live (10-16 % slower).
      assert(j % kPackedRowGroup + R <= kPackedRowGroup);
      const int8_t* p = packed_row(w, j);
      std::size_t step = kPackedFirstHalfStep;
      for (; xp != end; xp += 8 * G) {
        v128_t xv[G];
        for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xp + 8 * b);
        for (int r = 0; r < R; ++r) {
          const v128_t wv = wasm_i16x8_load8x8(p + kPackedAlignment * r);
          for (int b = 0; b < G; ++b) acc[b][r] = wasm_i32x4_add(acc[b][r], wasm_i32x4_dot_i16x8(xv[b], wv));
        }
        p += step;
        step = next_half_step(step);
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
    constexpr int G = decltype(g)::value, R = W8A8Tile<1, G>::kRows;
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
    for_each_row_block(n, G * stride, detail::kRowQuantum,
                       [&](std::size_t j0, std::size_t j1) { tiles(detail::Int<R>{}, j0, j1); });
  };
  if (group == 4) with_group(detail::Int<4>{});
  else if (group == 2) with_group(detail::Int<2>{});
  else with_group(detail::Int<1>{});
}

}  // namespace qlinear::kernels
