// The batched W8A8 kernel of the wasm build (WASM SIMD128): every weight widened to i16 once per
// call into a small panel that every batch row's tiles then stream (dispatch_wasm.cpp runs it for
// batch sizes other than 1, 2 and 4; the same in the SIMD128 and the relaxed-SIMD modules).
#include <wasm_simd128.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

// Batched W8A8 (batches of more than one driver group: 3, 5 and more rows): the same idea as
// w8a32_batched. Each weight is widened to i16 once per call into a small panel of kI16PanelRows
// rows ([k / 8][4][8], K taken 1024 lanes at a time so that it stays in L1), and every group of
// batch rows then runs tiles over it whose inner loop is only plain loads, dots and adds (16
// vector-ALU instructions per 64 MACs, as the dot peak probe), where W8A8Tile also shifts every
// row-pair vector it loads (17). The first group's tiles do the widening as they go.
// Activations are widened once per call into interleaved groups of 4, 2, 1 rows (as the driver's).
// Tiles: 2 rows x 4 batch rows (twice per panel), 4 x 2, 4 x 1. The zero-point correction and
// scaling run on the panel's 4 outputs at a time, in i32 lanes (wrapping, and exact since the
// result fits int32) and the same f32 operations in the same order as detail::w8a8_outputs, so the result
// is bit for bit the driver's. Measured (BASELINE=0aa08ae PASSES=5 bash bench/wasm/run.sh 7 0):
// W2a b16 33.2 -> 34.8 GMAC/s, b128 33.3 -> 34.7; W2b b16 34.8 -> 35.0, b128 34.0 -> 34.7; W3a b64
// 32.8 -> 35.4; W3b b64 33.4 -> 36.1 (the dot peak probe: 37-40 in the same minutes).
constexpr int kI16PanelRows = 4;

// wp: the panel (P rows interleaved) at its row r0; xg: a group of G rows; len lanes of each.
// Adds the R x G totals to sums[b][r0 + r] (rows P apart).
// kWiden: the panel is not written yet; the tile reads its R rows from the packed row pairs at
// `rows` (packed_weights.hpp: R = 4 two pairs kPackedPairBytes apart, R = 2 one pair, R = 1 the
// even or, if `odd`, the odd row of one), widens them and stores them into the panel as it goes,
// which was faster than a separate widening pass before the tiles (that was 3-6 % slower at batch
// 16). An odd row's bytes are an arithmetic shift away; an even row goes into the panel as the
// pair vector itself, L = 256 · w_odd + (w_even + 128) (w8a8_tiles_wasm_simd128.cpp), so that
// every tile but R = 1 leaves Σ x·L − 256 · Σ x·w_odd = Σ x·(w_even + 128) for it, and the
// zero-point correction takes the 128 with it (detail::w8a8_outputs). A tile of one row widens
// an even row to w + 128 (L & 0xff). Widening the even row to w itself cost two more
// instructions and a register: V8 then spilled an accumulator, and batch 16 ran 15-20 % slower.
//
// Each tile is a function of its own: noinline for clang, and called through a volatile pointer
// (tile_fn below) so that binaryen, which inlines any function with a single call site, leaves it
// alone. Inlined into one large driver function, the tiles ran at 19 GMAC/s instead of 35: V8
// gives a function with too many virtual registers its mid-tier register allocator, which spills
// in these loops (node --no-turbo-use-mid-tier-regalloc-for-huge-functions brought back the 35).
template <int R, int G, int P, bool kWiden = false>
__attribute__((noinline)) void i16_tile(const int16_t* xg, int16_t* wp, std::size_t len, int32_t* sums,
                                        const int8_t* rows, bool odd) {
  v128_t acc[G][R];
  for (int b = 0; b < G; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = wasm_i32x4_splat(0);
  for (const int16_t* const end = xg + G * len; xg != end; xg += 8 * G, wp += 8 * P) {
    v128_t xv[G];
    for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xg + 8 * b);
    if constexpr (kWiden) {
      v128_t wv[R];
      if constexpr (R == 1) {
        const v128_t l = wasm_v128_load(rows);
        wv[0] = odd ? wasm_i16x8_shr(l, 8) : wasm_v128_and(l, wasm_i16x8_const_splat(0xff));
      } else {
        for (int q = 0; q < R / 2; ++q) {
          const v128_t l = wasm_v128_load(rows + kPackedPairBytes * q);
          wv[2 * q] = l;
          wv[2 * q + 1] = wasm_i16x8_shr(l, 8);
        }
      }
      rows += kPackedPairStep;
      for (int r = 0; r < R; ++r) {
        wasm_v128_store(wp + 8 * r, wv[r]);
        for (int b = 0; b < G; ++b) acc[b][r] = wasm_i32x4_add(acc[b][r], wasm_i32x4_dot_i16x8(xv[b], wv[r]));
      }
    } else {
      for (int r = 0; r < R; ++r) {
        const v128_t wv = wasm_v128_load(wp + 8 * r);
        for (int b = 0; b < G; ++b) acc[b][r] = wasm_i32x4_add(acc[b][r], wasm_i32x4_dot_i16x8(xv[b], wv));
      }
    }
  }
  // Rows in pairs (R = 2, 4): the even row's Σ x·L less 256 times the odd row's, wrapping.
  for (int b = 0; b < G; ++b) {
    int32_t* out = sums + b * P;
    if constexpr (R == 4) {
      const v128_t rows = unpair_sums_i32(sum4_i32(acc[b][0], acc[b][1], acc[b][2], acc[b][3]));
      wasm_v128_store(out, wasm_i32x4_add(wasm_v128_load(out), rows));
    } else if constexpr (R == 2) {
      const auto s = static_cast<uint32_t>(hsum_i32(acc[b][0])), t = static_cast<uint32_t>(hsum_i32(acc[b][1]));
      out[0] = static_cast<int32_t>(static_cast<uint32_t>(out[0]) + s - 256u * t);
      out[1] = static_cast<int32_t>(static_cast<uint32_t>(out[1]) + t);
    } else {
      out[0] += hsum_i32(acc[b][0]);
    }
  }
}

// The tiles are called through these pointers (volatile: neither clang nor binaryen can see
// through them), see i16_tile.
using I16Tile = void (*)(const int16_t*, int16_t*, std::size_t, int32_t*, const int8_t*, bool);
template <int R, int G, int P, bool W>
I16Tile volatile tile_fn = &i16_tile<R, G, P, W>;

}  // namespace

void w8a8_i16_panel_wasm_simd128(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t stride = w.stride, n = w.out_features, batch = x.batch, kin = w.in_features;
  int16_t* xs = scratch<int16_t>(ScratchSlot::tile_activations, batch * stride);
  int32_t* x_sums = scratch<int32_t>(ScratchSlot::tile_sums, batch);
  const std::size_t whole = kin / 8 * 8;
  // Widened on the kernels' threads in blocks of whole groups of 4 rows (a block ends on a multiple
  // of 4 or at the batch's end, so its groups are the ones the tiles below take).
  for_each_row_block(batch, stride * kMacsPerElement, 4, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1;) {
      const std::size_t g = detail::group_size(b1 - b);
      for (std::size_t r = 0; r < g; ++r) {
        const uint8_t* row = x.values + (b + r) * x.row_stride;
        int16_t* out = xs + b * stride + 8 * r;
        for (std::size_t k = 0; k < whole; k += 8) wasm_v128_store(out + k * g, wasm_u16x8_load8x8(row + k));
        for (std::size_t k = whole; k < stride; ++k) out[k / 8 * 8 * g + k % 8] = k < kin ? row[k] : 0;
        x_sums[b + r] = detail::sum_u8(row, kin);
      }
      b += g;
    }
  });
  // The panel is taken kChunk lanes at a time (8 KiB), so that it and a group's activations (8
  // KiB) stay in L1 at any K (chunks of 512 were 4 % slower, of 2048 no faster).
  constexpr std::size_t kChunk = 1024;
  // The panel and its sums are each thread's own (scratch is per thread); xs is shared, read only.
  auto over_panel = [&](std::size_t j, auto panel_rows) {
    int16_t* panel = scratch<int16_t>(ScratchSlot::tile_panel, kI16PanelRows * std::min(stride, kChunk));
    int32_t* sums = scratch<int32_t>(ScratchSlot::tile_panel_sums, batch * kI16PanelRows);
    constexpr int P = decltype(panel_rows)::value;
    std::fill(sums, sums + batch * P, 0);
    for (std::size_t k0 = 0; k0 < stride; k0 += kChunk) {
      const std::size_t len = std::min(kChunk, stride - k0);
      // The P rows from j, a multiple of P (4, or 1 for the last rows): one packed row group.
      const int8_t* const rows = packed_pair(w, j) + k0 / 8 * kPackedPairStep;
      const bool odd = j % 2 == 1;
      auto group = [&](std::size_t b, std::size_t g, auto widen) {
        constexpr bool W = decltype(widen)::value;
        int32_t* out = sums + b * P;
        const int16_t* xg = xs + b * stride + k0 * g;
        if (g == 4) {
          if constexpr (P == 4) {
            tile_fn<2, 4, P, W>(xg, panel, len, out, rows, false);
            tile_fn<2, 4, P, W>(xg, panel + 16, len, out + 2, rows + kPackedPairBytes, false);
          } else {
            tile_fn<P, 4, P, W>(xg, panel, len, out, rows, odd);
          }
        } else if (g == 2) {
          tile_fn<P, 2, P, W>(xg, panel, len, out, rows, odd);
        } else {
          tile_fn<P, 1, P, W>(xg, panel, len, out, rows, odd);
        }
      };
      group(0, detail::group_size(batch), std::true_type{});
      for (std::size_t b = detail::group_size(batch); b < batch; b += detail::group_size(batch - b))
        group(b, detail::group_size(batch - b), std::false_type{});
    }
    // Even rows were in the panel as w + 128 (i16_tile).
    for (std::size_t b = 0; b < batch; ++b)
      detail::w8a8_outputs<P>(sums + b * P, x, b, x_sums[b], w, j, bias, y + b * n + j, 128);
  };
  for_each_row_block(n, batch * stride, detail::kRowQuantum, [&](std::size_t j0, std::size_t j1) {
    std::size_t j = j0;
    for (; j + kI16PanelRows <= j1; j += kI16PanelRows) over_panel(j, detail::Int<kI16PanelRows>{});
    for (; j < j1; ++j) over_panel(j, detail::Int<1>{});
  });
}


}  // namespace qlinear::kernels
