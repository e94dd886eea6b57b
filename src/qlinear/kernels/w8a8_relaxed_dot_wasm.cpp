// W8A8 on relaxed SIMD's int8 dot (i32x4.relaxed_dot_i8x16_i7x16_add_s, 16 MACs an instruction):
// at batch 1 (any activations) and for 7-bit activations at every batch size. Compiled only into
// the relaxed-SIMD modules (qlinear_kernels_wasm_relaxed, CMakeLists.txt), with -mrelaxed-simd;
// dispatch_wasm.cpp says when they run.
#include <wasm_simd128.h>

#include <cstring>
#include <type_traits>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

// i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x7, acc): each i32 lane of acc plus the four products
// of its bytes, w signed and x7 in [0, 127]. With x7 in that range the result is the same on
// every engine (relaxed SIMD leaves only a set top bit of x7 to the implementation), and V8 runs
// it as one vpdpbusd with AVX-VNNI (pmaddubsw + pmaddwd + paddd without).
//
// clang 14 (Emscripten 3.1.6) has no builtin for it, so this emits the prototype relaxed
// f64x2.fms (fd d0 01) in its place: the same three v128 operands in the same order (the
// intrinsic is not marked commutative), one v128 result, and the same encoded length as the dot
// (fd 93 02); an f64 instruction, so that nothing in this file's f32 code turns into one.
// scripts/relax_wasm.mjs rewrites each of them after linking, finding them with llvm-objdump, and
// checks there are as many as in this file's object. The rewritten module is checked against the
// SIMD128 one bit for bit (tests/browser/relaxed-simd.test.mjs) and the Catch2 suite runs on it
// (ctest "wasm/relaxed SIMD kernels: ...").
inline v128_t relaxed_dot_i8x16_i7x16_add(v128_t w, v128_t x7, v128_t acc) {
  using f64x2 = double __attribute__((vector_size(16)));
  return reinterpret_cast<v128_t>(__builtin_wasm_fms_f64x2(reinterpret_cast<f64x2>(w), reinterpret_cast<f64x2>(x7),
                                                           reinterpret_cast<f64x2>(acc)));
}

// The packed weights come a row pair at a time (packed_weights.hpp): 8 weights of two rows, bytes
// alternating, the even row's flipped (w ^ 0x80). One shuffle puts each row's 8 bytes in a half
// and an xor unflips the even row's, so a dot against 8 activations repeated in both halves
// (v128.load64_splat) leaves [even, even, odd, odd] partial sums in its lanes.
inline v128_t pair_rows_i8(v128_t l) {
  const v128_t rows = wasm_i8x16_shuffle(l, l, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  return wasm_v128_xor(rows, wasm_i64x2_const(static_cast<int64_t>(0x8080808080808080u), 0));
}

// out[r] for R rows from j, from one accumulator per row pair (lanes [even, even, odd, odd]);
// R = 1 takes row j of its pair, which may be the odd one.
template <int R>
inline void store_pair_sums(const v128_t* acc, std::size_t j, int32_t* out) {
  if constexpr (R % 4 == 0) {
    for (int q = 0; q < R / 2; q += 2)
      wasm_v128_store(out + 2 * q, wasm_i32x4_add(wasm_i32x4_shuffle(acc[q], acc[q + 1], 0, 2, 4, 6),
                                                  wasm_i32x4_shuffle(acc[q], acc[q + 1], 1, 3, 5, 7)));
  } else {
    for (int q = 0; q < (R + 1) / 2; ++q) {
      const int32_t even = wasm_i32x4_extract_lane(acc[q], 0) + wasm_i32x4_extract_lane(acc[q], 1);
      const int32_t odd = wasm_i32x4_extract_lane(acc[q], 2) + wasm_i32x4_extract_lane(acc[q], 3);
      if constexpr (R == 1) {
        out[0] = j % 2 == 0 ? even : odd;
      } else {
        out[2 * q] = even;
        out[2 * q + 1] = odd;
      }
    }
  }
}

// W8A8 at batch 1 on relaxed SIMD: the activation row's quint8 bytes split once per call into two
// planes, x & 127 and x >> 7 (both in [0, 127]), stored [k / 8][plane][8]; two dots per weight
// vector: Σ w·x = Σ w·(x & 127) + 128 · Σ w·(x >> 7). Per 16 MACs that is one load, the shuffle
// and xor above and two dots, where W8A8Tile::gemv (w8a8_tiles_wasm_simd128.cpp) has a shift, four
// dots and four adds. 4 rows a tile (one packed row group, read as one stream: no touches ahead,
// see W8A8Tile::gemv).
//
// With 8-bit activations only at batch 1: from 2 rows on, the SIMD128 tiles and panels are
// faster. Two dots per 16 MACs peak at about the i32x4.dot_i16x8_s rate (probe in Chromium: a
// 2 x 2 tile 39 GMAC/s, the i16 panel tile 35-39), and batched kernels like this one came out
// 11-20 % slower than those (bench/wasm/chromium_ab.mjs, W2 at batch 16 and 128, W3 at 64). At
// batch 1 the weights dominate: 1.48-1.83x faster than the SIMD128 tiles on W1-W3's layers.
//
// kHigh false: the row has no byte over 127 (7-bit activations), so the x >> 7 plane is all zero
// and its dots are skipped.
template <int R, bool kHigh>
__attribute__((noinline)) void relaxed_gemv_tile(const uint8_t* planes, const PackedWeights& w, std::size_t j,
                                                 int32_t* sums) {
  constexpr int kPairs = (R + 1) / 2;
  const std::size_t stride = w.stride;
  v128_t low[kPairs], high[kPairs];
  for (int q = 0; q < kPairs; ++q) low[q] = high[q] = wasm_i32x4_splat(0);
  const int8_t* p = packed_pair(w, j);  // R = 4 from a multiple of 4: one packed row group
  for (const uint8_t *xp = planes, *const end = planes + 2 * stride; xp != end; xp += 16, p += kPackedPairStep) {
    const v128_t xl = wasm_v128_load64_splat(xp), xh = kHigh ? wasm_v128_load64_splat(xp + 8) : xl;
    for (int q = 0; q < kPairs; ++q) {
      const v128_t wv = pair_rows_i8(wasm_v128_load(p + kPackedPairBytes * q));
      low[q] = relaxed_dot_i8x16_i7x16_add(wv, xl, low[q]);
      if constexpr (kHigh) high[q] = relaxed_dot_i8x16_i7x16_add(wv, xh, high[q]);
    }
  }
  v128_t acc[kPairs];
  for (int q = 0; q < kPairs; ++q) acc[q] = kHigh ? wasm_i32x4_add(low[q], wasm_i32x4_shl(high[q], 7)) : low[q];
  store_pair_sums<R>(acc, j, sums);
}

void w8a8_gemv_relaxed_impl(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t stride = w.stride, n = w.out_features, kin = w.in_features;
  uint8_t* planes = scratch<uint8_t>(ScratchSlot::tile_activations, 2 * stride);
  const v128_t low_bits = wasm_i8x16_splat(0x7f);
  v128_t high_any = wasm_i8x16_splat(0);
  for (std::size_t k = 0; k < stride; k += 16) {  // stride is a multiple of 16
    v128_t v;
    if (k + 16 <= kin) {
      v = wasm_v128_load(x.values + k);
    } else {  // the last block: the row's tail, then zeros
      alignas(16) uint8_t tail[16] = {};
      if (k < kin) std::memcpy(tail, x.values + k, kin - k);
      v = wasm_v128_load(tail);
    }
    high_any = wasm_v128_or(high_any, v);
    const v128_t low = wasm_v128_and(v, low_bits), high = wasm_u8x16_shr(v, 7);
    wasm_v128_store(planes + 2 * k, wasm_i8x16_shuffle(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    wasm_v128_store(planes + 2 * k + 16,
                    wasm_i8x16_shuffle(low, high, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  }
  const int32_t x_sum = detail::sum_u8(x.values, kin);
  auto rows_with = [&](auto high, std::size_t j0, std::size_t j1) {
    constexpr bool kHigh = decltype(high)::value;
    int32_t sums[4];
    std::size_t j = j0;
    for (; j + 4 <= j1; j += 4) {
      relaxed_gemv_tile<4, kHigh>(planes, w, j, sums);
      detail::w8a8_outputs<4>(sums, x, 0, x_sum, w, j, bias, y + j);
    }
    for (; j < j1; ++j) {
      relaxed_gemv_tile<1, kHigh>(planes, w, j, sums);
      detail::w8a8_outputs<1>(sums, x, 0, x_sum, w, j, bias, y + j);
    }
  };
  const bool high = wasm_v128_any_true(wasm_v128_and(high_any, wasm_i8x16_splat(static_cast<int8_t>(0x80))));
  for_each_row_block(n, stride, detail::kRowQuantum, [&](std::size_t j0, std::size_t j1) {
    if (high) rows_with(std::true_type{}, j0, j1);
    else rows_with(std::false_type{}, j0, j1);
  });
}

// 7-bit activations (no byte over 127: PyTorch's 'pytorch' scheme, or static mode calibrated with
// reduce_range) from 2 batch rows on: one dot per 16 MACs, twice the i32x4.dot_i16x8_s rate
// (probe in Chromium, on plain rows: tiles of 4 rows x 2 and 3 x 3 at 81 and 88 GMAC/s, against
// 35-39 for the i16 panel tile). The driver's layout with bytes, [k / 8][G][8], each batch row's
// 8 bytes repeated into both halves of a vector by its load. Tiles: 8 rows (4 row pairs) at 1
// batch row, 4 at 2 and at 4 (with 3 rows at 4, on plain rows, 1.09-1.24x faster than 2 from
// batch 4 on, bench/wasm/chromium_ab.mjs with AB_ACTIVATIONS=pytorch; row pairs need an even
// count, and 6 would want more than V8's 16 vector registers). Each pair has its own pointer:
// 8 rows span two packed row groups.
template <int R, int G>
__attribute__((noinline)) void relaxed7_tile(const uint8_t* xg, const PackedWeights& w, std::size_t j, int32_t* raw) {
  constexpr int kPairs = (R + 1) / 2;
  const std::size_t stride = w.stride;
  v128_t acc[G][kPairs];
  for (int b = 0; b < G; ++b)
    for (int q = 0; q < kPairs; ++q) acc[b][q] = wasm_i32x4_splat(0);
  const int8_t* wp[kPairs];
  for (int q = 0; q < kPairs; ++q) wp[q] = packed_pair(w, j + 2 * q);
  for (const uint8_t *xp = xg, *const end = xg + G * stride; xp != end; xp += 8 * G) {
    v128_t xv[G];
    for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load64_splat(xp + 8 * b);
    for (int q = 0; q < kPairs; ++q) {
      const v128_t wv = pair_rows_i8(wasm_v128_load(wp[q]));
      wp[q] += kPackedPairStep;
      for (int b = 0; b < G; ++b) acc[b][q] = relaxed_dot_i8x16_i7x16_add(wv, xv[b], acc[b][q]);
    }
  }
  for (int b = 0; b < G; ++b) store_pair_sums<R>(acc[b], j, raw + b * R);
}

// Called through volatile pointers, so that binaryen does not inline them into the driver (see
// i16_tile).
using Relaxed7TileFn = void (*)(const uint8_t*, const PackedWeights&, std::size_t, int32_t*);
template <int R, int G>
Relaxed7TileFn volatile relaxed7_tile_fn = &relaxed7_tile<R, G>;

template <int R, int G>
struct W8A8Relaxed7Tile {
  using XType = uint8_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 1 ? 8 : 4;
  static void run(const uint8_t* xg, std::size_t /*stride*/, const PackedWeights& w, std::size_t j, const int32_t*,
                  int32_t raw[G][R]) {
    relaxed7_tile_fn<R, G>(xg, w, j, &raw[0][0]);
  }
};

// Whether every activation byte is at most 127.
bool seven_bit_impl(const QuantizedRowsView& x) {
  v128_t any = wasm_i8x16_splat(0);
  for (std::size_t b = 0; b < x.batch; ++b) {
    const uint8_t* row = x.values + b * x.row_stride;
    std::size_t k = 0;
    for (; k + 16 <= x.in_features; k += 16) any = wasm_v128_or(any, wasm_v128_load(row + k));
    for (; k < x.in_features; ++k) any = wasm_v128_or(any, wasm_i8x16_splat(static_cast<int8_t>(row[k])));
  }
  return !wasm_v128_any_true(wasm_v128_and(any, wasm_i8x16_splat(static_cast<int8_t>(0x80))));
}

}  // namespace

void w8a8_gemv_wasm_relaxed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  w8a8_gemv_relaxed_impl(x, w, bias, y);
}

void w8a8_7bit_tiles_wasm_relaxed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Relaxed7Tile>(x, w, bias, y);
}

bool activations_fit_7_bits(const QuantizedRowsView& x) { return seven_bit_impl(x); }

}  // namespace qlinear::kernels
