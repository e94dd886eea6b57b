// W8A32 (f32 activations, int8 weights) at 1 to 3 batch rows in integer arithmetic, WASM SIMD128.
//
// Converting each int8 weight to f32 costs more than the multiply-add it feeds (about 11
// instructions per 8 weights with the conversion against 6 for an f32 weight), so at small batches
// the weight-only kernel ran slower than an fp32 one. Here the activations are converted instead,
// once per call: each row x is split into two int16 rows with one power-of-two scale 2^e (block
// floating point),
//
//   x · 2^-e = hi + lo · 2^-bits + err,   hi = round(x · 2^-e),   lo = round((x · 2^-e − hi) · 2^bits),
//
// with e chosen so that max|x| · 2^-e < 2^(bits − 1): |hi|, |lo| ≤ 2^(bits − 1) and |err| ≤
// 2^(−bits − 1). Then Σ x·(w − zw) = 2^e · (Σ hi·(w − zw) + 2^-bits · Σ lo·(w − zw)) up to
// 2^(e − bits − 1) · Σ|w − zw| ≤ max|x| · Σ|w − zw| · 2^(1 − 2·bits), and both sums are exact
// integer dot products: the W8A8 int16 tiles (i16_row_dots_wasm_simd128), two dots per 8 weights
// and no conversion. `bits` is 15 for K up to 512 and one less for each doubling of K beyond, so
// that K · 2^(bits − 1) · 128 ≤ 2^30 and the int32 sums never wrap: 2^-29 of max|x| · Σ|w − zw| at
// K 512, 2^-23 at K 4096, far below float32's rounding of a K-term sum. Both parts of a row form
// one tile group: batch 1 runs as a group of 2 int16 rows, batch 2 as a group of 4.
#include <wasm_simd128.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

int ceil_log2(std::size_t v) {
  int bits = 0;
  while ((std::size_t{1} << bits) < v) ++bits;
  return bits;
}

// One row's split: its exponent e and Σ hi, Σ lo (for the weights' zero points).
struct SplitRow {
  int exponent = 0;
  int64_t hi_sum = 0, lo_sum = 0;
};

// Writes the parts of row x (k values) into the group at `out`, hi as group row g and lo as g + 1
// ([stride / 8][group][8] int16, zero from k to stride).
SplitRow split_row(const float* x, std::size_t k, std::size_t stride, int bits, int16_t* out, std::size_t group,
                   std::size_t g) {
  SplitRow row;
  // max|x|: inputs are finite (checked by the layer), so pmax (one maxps) is std::max lane by lane.
  v128_t max4 = wasm_f32x4_splat(0.0f);
  std::size_t i = 0;
  for (; i + 4 <= k; i += 4) max4 = wasm_f32x4_pmax(max4, wasm_f32x4_abs(wasm_v128_load(x + i)));
  float max_abs = std::max(std::max(wasm_f32x4_extract_lane(max4, 0), wasm_f32x4_extract_lane(max4, 1)),
                           std::max(wasm_f32x4_extract_lane(max4, 2), wasm_f32x4_extract_lane(max4, 3)));
  for (; i < k; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
  int e = 0;
  if (max_abs > 0.0f) {
    std::frexp(max_abs, &e);  // max_abs = f · 2^e, f in [0.5, 1)
    e -= bits - 1;            // max_abs · 2^-e = f · 2^(bits − 1) < 2^(bits − 1)
  }
  row.exponent = e;
  // 2^-e as two factors, each a normal float for any finite input (e from −162 to 128).
  const float up1 = std::ldexp(1.0f, -e / 2), up2 = std::ldexp(1.0f, -e - (-e / 2));
  const v128_t f1 = wasm_f32x4_splat(up1), f2 = wasm_f32x4_splat(up2), lo_scale = wasm_f32x4_splat(std::ldexp(1.0f, bits));
  v128_t hi_acc = wasm_i32x4_splat(0), lo_acc = wasm_i32x4_splat(0);
  auto four = [&](const float* p, v128_t& hi, v128_t& lo) {
    const v128_t s = wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(p), f1), f2);  // exact: a power of two
    const v128_t h = wasm_f32x4_nearest(s);
    // s − h is exact (the low bits of s), and so is its scaling by 2^bits.
    hi = wasm_i32x4_trunc_sat_f32x4(h);
    lo = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_f32x4_sub(s, h), lo_scale)));
  };
  const std::size_t whole = k / 8 * 8;
  for (i = 0; i < whole; i += 8) {
    v128_t h0, l0, h1, l1;
    four(x + i, h0, l0);
    four(x + i + 4, h1, l1);
    hi_acc = wasm_i32x4_add(hi_acc, wasm_i32x4_add(h0, h1));
    lo_acc = wasm_i32x4_add(lo_acc, wasm_i32x4_add(l0, l1));
    int16_t* lanes = out + (i / 8 * group + g) * 8;
    wasm_v128_store(lanes, wasm_i16x8_narrow_i32x4(h0, h1));
    wasm_v128_store(lanes + 8, wasm_i16x8_narrow_i32x4(l0, l1));
  }
  row.hi_sum = hsum_i32(hi_acc);
  row.lo_sum = hsum_i32(lo_acc);
  for (i = whole; i < stride; ++i) {
    int16_t hi = 0, lo = 0;
    if (i < k) {
      const float s = x[i] * up1 * up2;
      const float h = std::nearbyint(s);
      hi = static_cast<int16_t>(h);
      lo = static_cast<int16_t>(std::nearbyint((s - h) * std::ldexp(1.0f, bits)));
    }
    int16_t* lanes = out + (i / 8 * group + g) * 8;
    lanes[i % 8] = hi;
    lanes[8 + i % 8] = lo;
    row.hi_sum += hi;
    row.lo_sum += lo;
  }
  return row;
}

}  // namespace

int w8a32_split_bits(std::size_t in_features) { return std::min(15, 24 - ceil_log2(std::max<std::size_t>(in_features, 1))); }

void w8a32_split_i16_wasm_simd128(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                                  const float* bias, float* y) {
  const std::size_t k = w.in_features, stride = w.stride, n = w.out_features;
  const int bits = w8a32_split_bits(k);
  int16_t* xs = scratch<int16_t>(ScratchSlot::tile_activations, 4 * stride);
  int32_t* raw = scratch<int32_t>(ScratchSlot::tile_sums, 4 * n);
  // Two batch rows at a time (a group of 4 int16 rows), then a last one (a group of 2).
  for (std::size_t b0 = 0; b0 < batch; b0 += 2) {
    const std::size_t rows = std::min<std::size_t>(2, batch - b0), group = 2 * rows;
    SplitRow split[2];
    for (std::size_t r = 0; r < rows; ++r)
      split[r] = split_row(x + (b0 + r) * x_stride, k, stride, bits, xs, group, 2 * r);
    int32_t part_sums[4];  // Σ of each int16 row of the group, wrapping (as the tiles' int32 sums)
    for (std::size_t r = 0; r < rows; ++r) {
      part_sums[2 * r] = static_cast<int32_t>(static_cast<uint32_t>(split[r].hi_sum));
      part_sums[2 * r + 1] = static_cast<int32_t>(static_cast<uint32_t>(split[r].lo_sum));
    }
    i16_row_dots_wasm_simd128(xs, group, part_sums, w, raw);
    const double lo_step = std::ldexp(1.0, -bits);
    for (std::size_t r = 0; r < rows; ++r) {
      float* out = y + (b0 + r) * n;
      const double row_scale = std::ldexp(1.0, split[r].exponent);  // 2^e: a normal double
      for (std::size_t j = 0; j < n; ++j) {
        // Σ part·(w − zw) = Σ part·w − zw · Σ part, exact in int64; combined and scaled in double
        // (exactly: powers of two, and hi + lo · 2^-bits needs under 53 bits).
        const int64_t zw = w.zero_point[j];
        const auto hi = static_cast<double>(raw[j * group + 2 * r] - zw * split[r].hi_sum);
        const auto lo = static_cast<double>(raw[j * group + 2 * r + 1] - zw * split[r].lo_sum);
        const double dot = (hi + lo * lo_step) * row_scale;
        // + 0 without a bias, as the reference does: it turns a -0 into +0.
        out[j] = static_cast<float>(static_cast<double>(w.scale[j]) * dot) + (bias ? bias[j] : 0.0f);
      }
    }
  }
}

}  // namespace qlinear::kernels
