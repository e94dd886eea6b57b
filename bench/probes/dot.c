// Compute probes for the int8 (and fp32) inner loops, operands in L1:
//  dot_peak:  i32x4.dot_i16x8_s at its best: per iteration 4 int16 "activation" vectors and 2
//             int16 "weight" vectors are loaded and combined into 8 dots (8 accumulators),
//             64 MACs, the register-blocked shape of a GEMM microkernel;
//  dot_int8:  the W8A8 GEMV inner loop as it was until the weights came in row pairs: int8
//             weights read with sign-extending loads (v128.load8x8_s → i16x8) for 4 output rows
//             against one int16 activation block, 2 dots per row per 16 weights (64 MACs per
//             iteration): three vector-ALU instructions per 8 MACs;
//  dot_pairs: the same GEMV on weights in row pairs (packed_weights.hpp), as the SIMD128 batch-1
//             tile reads them: per 16 bytes of two rows one shift and two dots, the dots of 16
//             lanes added before they reach the accumulator (64 MACs per iteration);
//  f32_peak:  f32x4.mul + f32x4.add (no fused multiply-add in SIMD128), 8 accumulators,
//             8 lanes-of-4 products per iteration (32 MACs).
// Each returns a checksum; JS times the call and divides MACs (iterations × MACs per
// iteration × reps) by the time.
#include "common.h"

// a: n int16 vectors (n a multiple of 4), w: 2 int16 vectors per 4 of a.
EXPORT(dot_peak) int32_t dot_peak(const v128_t *a, const v128_t *w, size_t n, int reps) {
  v128_t c0 = wasm_i32x4_splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (int r = 0; r < reps; r++) {
    const v128_t *pa = a, *pw = w;
    for (size_t i = 0; i < n; i += 4, pa += 4, pw += 2) {
      const v128_t x0 = wasm_v128_load(pa + 0), x1 = wasm_v128_load(pa + 1);
      const v128_t x2 = wasm_v128_load(pa + 2), x3 = wasm_v128_load(pa + 3);
      const v128_t w0 = wasm_v128_load(pw + 0), w1 = wasm_v128_load(pw + 1);
      c0 = wasm_i32x4_add(c0, wasm_i32x4_dot_i16x8(x0, w0));
      c1 = wasm_i32x4_add(c1, wasm_i32x4_dot_i16x8(x1, w0));
      c2 = wasm_i32x4_add(c2, wasm_i32x4_dot_i16x8(x2, w0));
      c3 = wasm_i32x4_add(c3, wasm_i32x4_dot_i16x8(x3, w0));
      c4 = wasm_i32x4_add(c4, wasm_i32x4_dot_i16x8(x0, w1));
      c5 = wasm_i32x4_add(c5, wasm_i32x4_dot_i16x8(x1, w1));
      c6 = wasm_i32x4_add(c6, wasm_i32x4_dot_i16x8(x2, w1));
      c7 = wasm_i32x4_add(c7, wasm_i32x4_dot_i16x8(x3, w1));
    }
    BARRIER();
  }
  v128_t s = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_add(c0, c1), wasm_i32x4_add(c2, c3)),
                            wasm_i32x4_add(wasm_i32x4_add(c4, c5), wasm_i32x4_add(c6, c7)));
  return hsum_i32x4(s);
}

// w8: 4 rows of k int8 weights (row stride k), x: k int16 activations; k a multiple of 16.
EXPORT(dot_int8) int32_t dot_int8(const int8_t *w8, const int16_t *x, size_t k, int reps) {
  v128_t c0 = wasm_i32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
  for (int r = 0; r < reps; r++) {
    const int8_t *r0 = w8, *r1 = w8 + k, *r2 = w8 + 2 * k, *r3 = w8 + 3 * k;
    for (size_t i = 0; i < k; i += 16) {
      const v128_t xl = wasm_v128_load(x + i), xh = wasm_v128_load(x + i + 8);
      c0 = wasm_i32x4_add(c0, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r0 + i), xl),
                                             wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r0 + i + 8), xh)));
      c1 = wasm_i32x4_add(c1, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r1 + i), xl),
                                             wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r1 + i + 8), xh)));
      c2 = wasm_i32x4_add(c2, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r2 + i), xl),
                                             wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r2 + i + 8), xh)));
      c3 = wasm_i32x4_add(c3, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r3 + i), xl),
                                             wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r3 + i + 8), xh)));
    }
    BARRIER();
  }
  return hsum_i32x4(wasm_i32x4_add(wasm_i32x4_add(c0, c1), wasm_i32x4_add(c2, c3)));
}

// w8: 2 row pairs × k (4 rows), pair-interleaved 8 weights at a time as in the packed layout
// ([k / 8][pair][16 bytes]), x: k int16 activations; k a multiple of 16. The sums are the
// kernel's S and T (Σ x·L, Σ x·w_odd) per pair; checked only as a checksum.
EXPORT(dot_pairs) int32_t dot_pairs(const int8_t *w8, const int16_t *x, size_t k, int reps) {
  v128_t s0 = wasm_i32x4_splat(0), t0 = s0, s1 = s0, t1 = s0;
  for (int r = 0; r < reps; r++) {
    const int8_t *p = w8;
    for (size_t i = 0; i < k; i += 16, p += 64) {
      const v128_t xl = wasm_v128_load(x + i), xh = wasm_v128_load(x + i + 8);
      const v128_t a0 = wasm_v128_load(p), a1 = wasm_v128_load(p + 16);
      const v128_t b0 = wasm_v128_load(p + 32), b1 = wasm_v128_load(p + 48);
      s0 = wasm_i32x4_add(s0, wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, a0), wasm_i32x4_dot_i16x8(xh, b0)));
      t0 = wasm_i32x4_add(t0, wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, wasm_i16x8_shr(a0, 8)),
                                             wasm_i32x4_dot_i16x8(xh, wasm_i16x8_shr(b0, 8))));
      s1 = wasm_i32x4_add(s1, wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, a1), wasm_i32x4_dot_i16x8(xh, b1)));
      t1 = wasm_i32x4_add(t1, wasm_i32x4_add(wasm_i32x4_dot_i16x8(xl, wasm_i16x8_shr(a1, 8)),
                                             wasm_i32x4_dot_i16x8(xh, wasm_i16x8_shr(b1, 8))));
    }
    BARRIER();
  }
  return hsum_i32x4(wasm_i32x4_add(wasm_i32x4_add(s0, t0), wasm_i32x4_add(s1, t1)));
}

// a: n f32 vectors (n a multiple of 8), b: one f32 vector.
EXPORT(f32_peak) float f32_peak(const v128_t *a, const v128_t *b, size_t n, int reps) {
  v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  const v128_t w = wasm_v128_load(b);
  for (int r = 0; r < reps; r++) {
    const v128_t *pa = a;
    for (size_t i = 0; i < n; i += 8, pa += 8) {
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load(pa + 0), w));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(wasm_v128_load(pa + 1), w));
      c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(wasm_v128_load(pa + 2), w));
      c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(wasm_v128_load(pa + 3), w));
      c4 = wasm_f32x4_add(c4, wasm_f32x4_mul(wasm_v128_load(pa + 4), w));
      c5 = wasm_f32x4_add(c5, wasm_f32x4_mul(wasm_v128_load(pa + 5), w));
      c6 = wasm_f32x4_add(c6, wasm_f32x4_mul(wasm_v128_load(pa + 6), w));
      c7 = wasm_f32x4_add(c7, wasm_f32x4_mul(wasm_v128_load(pa + 7), w));
    }
    BARRIER();
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(c0, c1), wasm_f32x4_add(c2, c3)),
                            wasm_f32x4_add(wasm_f32x4_add(c4, c5), wasm_f32x4_add(c6, c7)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
         wasm_f32x4_extract_lane(s, 3);
}
