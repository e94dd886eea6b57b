// The packed int8 kernels in WASM SIMD128 (<wasm_simd128.h>), for the wasm build, as register
// tiles of R output rows × B batch rows (the loops around them are in packed_driver.hpp).
// Compiled a second time with QLINEAR_WASM_RELAXED_SIMD for the relaxed-SIMD module, whose W8A8
// kernels use relaxed SIMD's int8 dot at batch 1 (w8a8_gemv_relaxed below) and, for 7-bit
// activations, at every batch size (W8A8Relaxed7Tile).
//
// W8A8: weights read with sign-extending loads (v128.load8x8_s, one instruction in V8: pmovsxbw
// from memory) against activations widened to i16 once per call, i32x4.dot_i16x8_s (8 MACs) into
// one i32x4 accumulator per (row, batch row); the two dots of 16 lanes are added together before
// they reach the accumulator, so its dependency chain is one add per 16 MACs.
//
// W8A32: int8 → f32 without the int → float conversion instruction: the bytes, zero-extended to
// i16 and flipped to w + 128 ∈ [0, 255], are interleaved with the i16 0x4B00, which makes each
// 32-bit lane the float 2²³ + (w + 128); subtracting 2²³ + 128 + zw leaves w − zw, exact (both
// are integers below 2²⁴). Four instructions per 8 weights (load8x8_u, xor, two unpacks) plus the
// subtraction, where extend + convert took twice that and needed an asm barrier to keep clang 14
// from scalarizing it. From 4 batch rows on, each weight is converted once per call into a small
// f32 panel and the inner loop is a plain f32 GEMM tile (w8a32_batched).
#include <wasm_simd128.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "qlinear/kernels/packed_driver.hpp"

namespace qlinear::kernels {

namespace {

// [Σa, Σb, Σc, Σd] of four i32x4 accumulators.
inline v128_t sum4_i32(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
inline int32_t hsum_i32(v128_t v) {
  v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_i32x4_extract_lane(wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2)), 0);
}
inline float hsum_f32(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2)), 0);
}

// Stores the totals of acc[r] (r < R) into out[r].
template <int R>
inline void store_sums_i32(const v128_t* acc, int32_t* out) {
  if constexpr (R == 4) {
    wasm_v128_store(out, sum4_i32(acc[0], acc[1], acc[2], acc[3]));
  } else {
    for (int r = 0; r < R; ++r) out[r] = hsum_i32(acc[r]);
  }
}
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

#ifdef QLINEAR_WASM_RELAXED_SIMD
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

// W8A8 at batch 1 on relaxed SIMD: the weights' bytes straight from the packed rows; the
// activation row's quint8 bytes split once per call into two planes, x & 127 and x >> 7 (both in
// [0, 127]), stored [k / 16][plane][16]; two dots per weight vector:
// Σ w·x = Σ w·(x & 127) + 128 · Σ w·(x >> 7). Per 16 MACs that is one load and two dots, where
// W8A8Tile::gemv has two sign-extending loads, two dots and two adds. 4 rows a tile (8
// accumulators of V8's 16 vector registers; 6 rows measured no faster), with W8A8Tile::gemv's
// touches ahead for rows under a page.
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
__attribute__((noinline)) void relaxed_gemv_tile(const uint8_t* planes, const int8_t* w0, std::size_t stride,
                                                 const int8_t* touch, const int8_t* touch_last, int32_t* sums) {
  v128_t low[R], high[R];
  for (int r = 0; r < R; ++r) low[r] = high[r] = wasm_i32x4_splat(0);
  const int8_t* wp[R];
  for (int r = 0; r < R; ++r) wp[r] = w0 + r * stride;
  uint32_t sink = 0;
  for (const uint8_t *xp = planes, *const end = planes + 2 * stride; xp != end; xp += 32) {
    if (touch) {
      uint32_t word;
      std::memcpy(&word, touch < touch_last ? touch : touch_last, 4);
      sink += word;
      touch += 64;
    }
    const v128_t xl = wasm_v128_load(xp), xh = kHigh ? wasm_v128_load(xp + 16) : xl;
    for (int r = 0; r < R; ++r) {
      const v128_t wv = wasm_v128_load(wp[r]);
      wp[r] += 16;
      low[r] = relaxed_dot_i8x16_i7x16_add(wv, xl, low[r]);
      if constexpr (kHigh) high[r] = relaxed_dot_i8x16_i7x16_add(wv, xh, high[r]);
    }
  }
  asm volatile("" : : "r"(sink));  // the touches must happen
  v128_t acc[R];
  for (int r = 0; r < R; ++r) acc[r] = kHigh ? wasm_i32x4_add(low[r], wasm_i32x4_shl(high[r], 7)) : low[r];
  store_sums_i32<R>(acc, sums);
}

void w8a8_gemv_relaxed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t stride = w.stride, n = w.out_features, kin = w.in_features;
  uint8_t* planes = scratch<uint8_t>(ScratchSlot::tile_activations, 2 * stride);
  const v128_t low_bits = wasm_i8x16_splat(0x7f);
  v128_t high_any = wasm_i8x16_splat(0);
  for (std::size_t k = 0; k < stride; k += 16) {
    v128_t v;
    if (k + 16 <= kin) {
      v = wasm_v128_load(x.values + k);
    } else {  // the last block: the row's tail, then zeros
      alignas(16) uint8_t tail[16] = {};
      if (k < kin) std::memcpy(tail, x.values + k, kin - k);
      v = wasm_v128_load(tail);
    }
    high_any = wasm_v128_or(high_any, v);
    wasm_v128_store(planes + 2 * k, wasm_v128_and(v, low_bits));
    wasm_v128_store(planes + 2 * k + 16, wasm_u8x16_shr(v, 7));
  }
  const int32_t x_sum = detail::sum_u8(x.values, kin);
  const int8_t* const touch_last = w.values.data() + w.values.size() - 4;
  const bool touch_ahead = stride < 4096;
  auto rows_with = [&](auto high) {
    constexpr bool kHigh = decltype(high)::value;
    int32_t sums[4];
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const int8_t* rows = w.values.data() + j * stride;
      relaxed_gemv_tile<4, kHigh>(planes, rows, stride, touch_ahead ? rows + 4 * stride : nullptr, touch_last, sums);
      detail::w8a8_outputs<4>(sums, x, 0, x_sum, w, j, bias, y + j);
    }
    for (; j < n; ++j) {
      relaxed_gemv_tile<1, kHigh>(planes, w.values.data() + j * stride, stride, nullptr, touch_last, sums);
      detail::w8a8_outputs<1>(sums, x, 0, x_sum, w, j, bias, y + j);
    }
  };
  if (wasm_v128_any_true(wasm_v128_and(high_any, wasm_i8x16_splat(static_cast<int8_t>(0x80))))) rows_with(std::true_type{});
  else rows_with(std::false_type{});
}

// 7-bit activations (no byte over 127: PyTorch's 'pytorch' scheme, or static mode calibrated with
// reduce_range) from 2 batch rows on: one dot per 16 MACs, twice the i32x4.dot_i16x8_s rate
// (probe in Chromium: tiles of 4 rows x 2 and 3 x 3 at 81 and 88 GMAC/s, against 35-39 for the
// i16 panel tile). The driver's layout with bytes, [k / 16][G][16]. Tiles: 8 rows at 1 batch row,
// 4 at 2, 3 at 4 (12 accumulators and 4 activation vectors: 1.09-1.24x faster than 2 rows at 4
// from batch 4 on, bench/wasm/chromium_ab.mjs with AB_ACTIVATIONS=pytorch; 6 rows at 2 was up to
// 9 % slower than 4).
template <int R, int G>
__attribute__((noinline)) void relaxed7_tile(const uint8_t* xg, const int8_t* w0, std::size_t stride, int32_t* raw) {
  v128_t acc[G][R];
  for (int b = 0; b < G; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = wasm_i32x4_splat(0);
  const int8_t* wp[R];
  for (int r = 0; r < R; ++r) wp[r] = w0 + r * stride;
  for (const uint8_t *xp = xg, *const end = xg + G * stride; xp != end; xp += 16 * G) {
    v128_t xv[G];
    for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xp + 16 * b);
    for (int r = 0; r < R; ++r) {
      const v128_t wv = wasm_v128_load(wp[r]);
      wp[r] += 16;
      for (int b = 0; b < G; ++b) acc[b][r] = relaxed_dot_i8x16_i7x16_add(wv, xv[b], acc[b][r]);
    }
  }
  for (int b = 0; b < G; ++b) store_sums_i32<R>(acc[b], raw + b * R);
}

// Called through volatile pointers, so that binaryen does not inline them into the driver (see
// i16_tile).
using Relaxed7TileFn = void (*)(const uint8_t*, const int8_t*, std::size_t, int32_t*);
template <int R, int G>
Relaxed7TileFn volatile relaxed7_tile_fn = &relaxed7_tile<R, G>;

template <int R, int G>
struct W8A8Relaxed7Tile {
  using XType = uint8_t;
  static constexpr std::size_t kLanes = 16;
  static constexpr int kRows = G == 1 ? 8 : G == 2 ? 4 : 3;
  static constexpr int kRowsLong = kRows;
  static void run(const uint8_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j, int32_t raw[G][R]) {
    relaxed7_tile_fn<R, G>(xg, w.values.data() + j * stride, stride, &raw[0][0]);
  }
};

// Whether every activation byte is at most 127.
bool seven_bit(const QuantizedRowsView& x) {
  v128_t any = wasm_i8x16_splat(0);
  for (std::size_t b = 0; b < x.batch; ++b) {
    const uint8_t* row = x.values + b * x.row_stride;
    std::size_t k = 0;
    for (; k + 16 <= x.in_features; k += 16) any = wasm_v128_or(any, wasm_v128_load(row + k));
    for (; k < x.in_features; ++k) any = wasm_v128_or(any, wasm_i8x16_splat(static_cast<int8_t>(row[k])));
  }
  return !wasm_v128_any_true(wasm_v128_and(any, wasm_i8x16_splat(static_cast<int8_t>(0x80))));
}
#endif  // QLINEAR_WASM_RELAXED_SIMD

// 8 int8 weights minus the zero point as two f32x4 (see the top of the file); minus_bias is the
// f32 splat 2²³ + 128 + zw.
inline void weights_to_f32(const int8_t* p, v128_t minus_bias, v128_t& f0, v128_t& f1) {
  const v128_t u = wasm_v128_xor(wasm_u16x8_load8x8(p), wasm_i16x8_const_splat(0x80));
  const v128_t magic = wasm_i16x8_const_splat(0x4B00);
  f0 = wasm_f32x4_sub(wasm_i16x8_shuffle(u, magic, 0, 8, 1, 9, 2, 10, 3, 11), minus_bias);
  f1 = wasm_f32x4_sub(wasm_i16x8_shuffle(u, magic, 4, 12, 5, 13, 6, 14, 7, 15), minus_bias);
}

template <int R, int B>
struct W8A32Tile {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, std::size_t j, float sums[B][R]) {
    const std::size_t stride = w.stride;
    const int8_t* rows = w.values.data() + j * stride;
    v128_t minus_bias[R], acc[B][R];
    for (int r = 0; r < R; ++r) minus_bias[r] = wasm_f32x4_splat(8388608.0f + 128.0f + static_cast<float>(w.zero_point[j + r]));
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = wasm_f32x4_splat(0.0f);
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = rows + r * stride;
    // No touching ahead as in W8A8Tile::gemv here: measured, it made cold K 1024 35 % faster
    // but warm K 1024 8 % slower; this loop is compute bound while the weights are warm.
    for (const float *xp = x, *const end = x + stride; xp != end; xp += 8) {
      v128_t x0[B], x1[B];
      for (int b = 0; b < B; ++b) {
        x0[b] = wasm_v128_load(xp + b * x_stride);
        x1[b] = wasm_v128_load(xp + b * x_stride + 4);
      }
      for (int r = 0; r < R; ++r) {
        v128_t f0, f1;
        weights_to_f32(wp[r], minus_bias[r], f0, f1);
        wp[r] += 8;
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
    const int8_t* row = w.values.data() + (j + r) * w.stride + k0;
    float* out = panel + 4 * r;
    for (std::size_t k = 0; k < len; k += 8, out += 8 * P) {
      v128_t f0, f1;
      weights_to_f32(row + k, minus_bias, f0, f1);
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
  std::vector<float> panel(kPanelRows * std::min(stride, kChunk));
  std::vector<float> sums(batch * kPanelRows);
  auto emit = [&](auto rows, auto grp, std::size_t r0, std::size_t b0, std::size_t k0, std::size_t len, auto panel_rows) {
    constexpr int R = decltype(rows)::value, G = decltype(grp)::value, P = decltype(panel_rows)::value;
    f32_tile<R, G, P>(xs.data() + b0 * stride + k0 * G, panel.data() + 4 * r0, len, sums.data() + b0 * P + r0);
  };
  // Tiles over a panel: 2 rows x 4 batch rows, 4 x 2, 4 x 1 (8 accumulators at most).
  auto over_panel = [&](std::size_t j, auto panel_rows) {
    constexpr int P = decltype(panel_rows)::value;
    std::fill(sums.begin(), sums.end(), 0.0f);
    for (std::size_t k0 = 0; k0 < stride; k0 += kChunk) {
      const std::size_t len = std::min(kChunk, stride - k0);
      convert_panel<P>(w, j, k0, len, panel.data());
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
  std::size_t j = 0;
  for (; j + kPanelRows <= n; j += kPanelRows) over_panel(j, detail::Int<kPanelRows>{});
  for (; j < n; ++j) over_panel(j, detail::Int<1>{});
}

// Batched W8A8 (batches of more than one driver group: 3, 5 and more rows): the same idea as
// w8a32_batched. Each weight is widened to i16 once per call into a small panel of kI16PanelRows
// rows ([k / 8][4][8], K taken 1024 lanes at a time so that it stays in L1), and every group of
// batch rows then runs tiles over it whose inner loop is only plain loads, dots and adds (16
// vector-ALU instructions per 64 MACs, as the dot peak probe), where W8A8Tile also sign-extends
// every weight vector it loads (18). The first group's tiles do the widening as they go.
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
// kWiden: the panel is not written yet; the tile reads the int8 rows rows[r] (sign-extending
// loads, as W8A8Tile) and stores what it widened into the panel as it goes, which was faster than
// a separate widening pass before the tiles (that was 3-6 % slower at batch 16).
//
// Each tile is a function of its own: noinline for clang, and called through a volatile pointer
// (tile_fn below) so that binaryen, which inlines any function with a single call site, leaves it
// alone. Inlined into one large driver function, the tiles ran at 19 GMAC/s instead of 35: V8
// gives a function with too many virtual registers its mid-tier register allocator, which spills
// in these loops (node --no-turbo-use-mid-tier-regalloc-for-huge-functions brought back the 35).
template <int R, int G, int P, bool kWiden = false>
__attribute__((noinline)) void i16_tile(const int16_t* xg, int16_t* wp, std::size_t len, int32_t* sums, const int8_t* const* rows = nullptr) {
  v128_t acc[G][R];
  for (int b = 0; b < G; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = wasm_i32x4_splat(0);
  const int8_t* wr[R];
  if constexpr (kWiden)
    for (int r = 0; r < R; ++r) wr[r] = rows[r];
  for (const int16_t* const end = xg + G * len; xg != end; xg += 8 * G, wp += 8 * P) {
    v128_t xv[G];
    for (int b = 0; b < G; ++b) xv[b] = wasm_v128_load(xg + 8 * b);
    for (int r = 0; r < R; ++r) {
      v128_t wv;
      if constexpr (kWiden) {
        wv = wasm_i16x8_load8x8(wr[r]);
        wr[r] += 8;
        // Else clang keeps the 4 row pointers in one i32x4 and extracts a lane for every load.
        asm("" : "+r"(wr[r]));
        wasm_v128_store(wp + 8 * r, wv);
      } else {
        wv = wasm_v128_load(wp + 8 * r);
      }
      for (int b = 0; b < G; ++b) acc[b][r] = wasm_i32x4_add(acc[b][r], wasm_i32x4_dot_i16x8(xv[b], wv));
    }
  }
  for (int b = 0; b < G; ++b) {
    int32_t* out = sums + b * P;
    if constexpr (R == 4) {
      wasm_v128_store(out, wasm_i32x4_add(wasm_v128_load(out), sum4_i32(acc[b][0], acc[b][1], acc[b][2], acc[b][3])));
    } else {
      for (int r = 0; r < R; ++r) out[r] += hsum_i32(acc[b][r]);
    }
  }
}

// The tiles are called through these pointers (volatile: neither clang nor binaryen can see
// through them), see i16_tile.
using I16Tile = void (*)(const int16_t*, int16_t*, std::size_t, int32_t*, const int8_t* const*);
template <int R, int G, int P, bool W>
I16Tile volatile tile_fn = &i16_tile<R, G, P, W>;

void w8a8_batched(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t stride = w.stride, n = w.out_features, batch = x.batch, kin = w.in_features;
  int16_t* xs = scratch<int16_t>(ScratchSlot::tile_activations, batch * stride);
  int32_t* x_sums = scratch<int32_t>(ScratchSlot::tile_sums, batch);
  const std::size_t whole = kin / 8 * 8;
  for (std::size_t b = 0; b < batch;) {
    const std::size_t g = detail::group_size(batch - b);
    for (std::size_t r = 0; r < g; ++r) {
      const uint8_t* row = x.values + (b + r) * x.row_stride;
      int16_t* out = xs + b * stride + 8 * r;
      for (std::size_t k = 0; k < whole; k += 8) wasm_v128_store(out + k * g, wasm_u16x8_load8x8(row + k));
      for (std::size_t k = whole; k < stride; ++k) out[k / 8 * 8 * g + k % 8] = k < kin ? row[k] : 0;
      x_sums[b + r] = detail::sum_u8(row, kin);
    }
    b += g;
  }
  // The panel is taken kChunk lanes at a time (8 KiB), so that it and a group's activations (8
  // KiB) stay in L1 at any K (chunks of 512 were 4 % slower, of 2048 no faster).
  constexpr std::size_t kChunk = 1024;
  int16_t* panel = scratch<int16_t>(ScratchSlot::tile_panel, kI16PanelRows * std::min(stride, kChunk));
  int32_t* sums = scratch<int32_t>(ScratchSlot::tile_panel_sums, batch * kI16PanelRows);
  auto over_panel = [&](std::size_t j, auto panel_rows) {
    constexpr int P = decltype(panel_rows)::value;
    std::fill(sums, sums + batch * P, 0);
    for (std::size_t k0 = 0; k0 < stride; k0 += kChunk) {
      const std::size_t len = std::min(kChunk, stride - k0);
      const int8_t* rows[P];
      for (int r = 0; r < P; ++r) rows[r] = w.values.data() + (j + r) * stride + k0;
      auto group = [&](std::size_t b, std::size_t g, auto widen) {
        constexpr bool W = decltype(widen)::value;
        int32_t* out = sums + b * P;
        const int16_t* xg = xs + b * stride + k0 * g;
        if (g == 4) {
          if constexpr (P == 4) {
            tile_fn<2, 4, P, W>(xg, panel, len, out, rows);
            tile_fn<2, 4, P, W>(xg, panel + 16, len, out + 2, rows + 2);
          } else {
            tile_fn<P, 4, P, W>(xg, panel, len, out, rows);
          }
        } else if (g == 2) {
          tile_fn<P, 2, P, W>(xg, panel, len, out, rows);
        } else {
          tile_fn<P, 1, P, W>(xg, panel, len, out, rows);
        }
      };
      group(0, detail::group_size(batch), std::true_type{});
      for (std::size_t b = detail::group_size(batch); b < batch; b += detail::group_size(batch - b))
        group(b, detail::group_size(batch - b), std::false_type{});
    }
    for (std::size_t b = 0; b < batch; ++b)
      detail::w8a8_outputs<P>(sums + b * P, x, b, x_sums[b], w, j, bias, y + b * n + j);
  };
  std::size_t j = 0;
  for (; j + kI16PanelRows <= n; j += kI16PanelRows) over_panel(j, detail::Int<kI16PanelRows>{});
  for (; j < n; ++j) over_panel(j, detail::Int<1>{});
}

}  // namespace

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  // From 4 rows on, converting each weight once into a panel pays for its stores and reloads;
  // below, the tiles that convert on the fly (2 rows x 2) do less work per weight.
  if (batch >= 4) return w8a32_batched(x, x_stride, batch, w, bias, y);
  detail::drive_w8a32<W8A32Tile, 2, 2, 4>(x, x_stride, batch, w, bias, y);
}

// Called through a pointer, so that binaryen does not inline it into linear_w8a8_packed: that
// function, which holds the batch-1 loops, would grow from about 16 to 22 KB of wasm, towards the
// sizes where V8 switches to its mid-tier register allocator (see i16_tile).
void (*volatile const w8a8_batched_fn)(const QuantizedRowsView&, const PackedWeights&, const float*, float*) = &w8a8_batched;
#ifdef QLINEAR_WASM_RELAXED_SIMD
// Likewise: the relaxed build's batch-1 kernel stays a function of its own.
void (*volatile const w8a8_gemv_relaxed_fn)(const QuantizedRowsView&, const PackedWeights&, const float*, float*) =
    &w8a8_gemv_relaxed;
#endif

void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  // Batches of one group of the driver's (1, 2 or 4 rows) already read each weight once, and the
  // tiles that sign-extend as they go do less work per weight than a panel's stores and reloads
  // (measured at W2a: batch 2 26.1 -> 24.1 GMAC/s, batch 4 31.9 -> 30.2 with the panel; batch 3
  // 25.4 -> 27.5, 8 33.0 -> 33.5, 16 33.2 -> 34.8).
#ifdef QLINEAR_WASM_RELAXED_SIMD
  if (x.batch == 1) return w8a8_gemv_relaxed_fn(x, w, bias, y);
  if (seven_bit(x)) return detail::drive_w8a8<W8A8Relaxed7Tile>(x, w, bias, y);
#endif
  if (detail::group_size(x.batch) != x.batch) return w8a8_batched_fn(x, w, bias, y);
  detail::drive_w8a8<W8A8Tile>(x, w, bias, y);
}

#ifdef QLINEAR_WASM_RELAXED_SIMD
const char* packed_kernels_isa() { return "wasm-relaxed-simd"; }
#else
const char* packed_kernels_isa() { return "wasm-simd128"; }
#endif

}  // namespace qlinear::kernels
