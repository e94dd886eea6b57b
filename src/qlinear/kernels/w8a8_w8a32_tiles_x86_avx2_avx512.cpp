// AVX2 (+FMA), AVX-VNNI and AVX-512 VNNI tiles for the native build, chosen at run time by
// dispatch_x86.cpp (the batched GEMMs for 16 rows and more are in w8a8_gemm_x86_avx512_vnni_amx.cpp).
// This file is compiled with the baseline flags: only the tiles carry target attributes, so
// nothing the drivers instantiate (std::vector and friends, which the linker may share with
// other files) contains instructions an older CPU lacks.
//
// W8A8, AVX2: 16 int8 weights sign-extended to i16 by one vpmovsxbw from memory,
//   vpmaddwd against activations widened to i16 once per call: 16 MACs an instruction.
// W8A8, AVX-VNNI: vpdpbusd multiplies the uint8 activations by the int8 weights as they are
//   stored and adds groups of 4 products into i32 lanes, exactly (no saturation: that is
//   vpdpbusds): 32 MACs an instruction, no widening at all.
// W8A8, AVX-512 VNNI: the same vpdpbusd on 512-bit vectors, 64 MACs an instruction; and, for
//   small batches on CPUs without AVX-VNNI, its EVEX encoding on 256-bit vectors (AVX-512 VL).
// W8A32, AVX2: vpmovsxbd from memory + vcvtdq2ps, minus the zero point, vfmadd231ps.
#include <immintrin.h>

#include "qlinear/kernels/packed_driver.hpp"
#include "qlinear/kernels/kernels_x86.hpp"

#define QLINEAR_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline
#define QLINEAR_AVX2_ENTRY __attribute__((target("avx2,fma"), noinline))
#define QLINEAR_VNNI __attribute__((target("avx2,fma,avxvnni"), always_inline)) inline
#define QLINEAR_VNNI_ENTRY __attribute__((target("avx2,fma,avxvnni"), noinline))
#define QLINEAR_VNNI_EVEX_YMM __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512vnni"), always_inline)) inline
#define QLINEAR_VNNI_EVEX_YMM_ENTRY __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512vnni"), noinline))

namespace qlinear::kernels::x86 {

namespace {

QLINEAR_AVX2 int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

QLINEAR_AVX2 float hsum_f32(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// R weight rows × G interleaved activation rows (packed_driver.hpp), 16 lanes a step.
template <int R, int G>
struct W8A8Avx2Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 16;
  static constexpr int kRows = G == 4 ? 2 : 4;
  QLINEAR_AVX2_ENTRY static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j,
                                     const int32_t*, int32_t raw[G][R]) {
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = w.values.data() + (j + r) * stride;
    __m256i acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm256_setzero_si256();
    const int16_t* xp = xg;
    for (std::size_t k = 0; k < stride; k += 16, xp += 16 * G) {
      __m256i xv[G];
      for (int b = 0; b < G; ++b) xv[b] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp + 16 * b));
      for (int r = 0; r < R; ++r) {
        const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wp[r] + k)));
        for (int b = 0; b < G; ++b) acc[b][r] = _mm256_add_epi32(acc[b][r], _mm256_madd_epi16(xv[b], wv));
      }
    }
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) raw[b][r] = hsum_i32(acc[b][r]);
  }
};

// The same tile with vpdpbusd on the uint8 activations, 32 lanes a step, in
// w8a8_tile_dpbusd_ymm_x86.inc. vpdpbusd on ymm comes in two encodings: VEX (AVX-VNNI: Alder Lake,
// Sapphire Rapids) and EVEX (AVX-512 VNNI with VL: Cascade Lake, Ice Lake, Zen 4, which have no
// AVX-VNNI). The tile is the same for both; only the target attribute and the intrinsic's name
// differ, and since a target attribute cannot depend on a template parameter, the file is
// included once for each.
#define QLINEAR_TILE_NAME W8A8VnniTile
#define QLINEAR_TILE_INLINE QLINEAR_VNNI
#define QLINEAR_TILE_ENTRY QLINEAR_VNNI_ENTRY
#define QLINEAR_TILE_DPBUSD _mm256_dpbusd_avx_epi32
#include "qlinear/kernels/w8a8_tile_dpbusd_ymm_x86.inc"

#define QLINEAR_TILE_NAME W8A8Avx512VnniYmmTile
#define QLINEAR_TILE_INLINE QLINEAR_VNNI_EVEX_YMM
#define QLINEAR_TILE_ENTRY QLINEAR_VNNI_EVEX_YMM_ENTRY
#define QLINEAR_TILE_DPBUSD _mm256_dpbusd_epi32
#include "qlinear/kernels/w8a8_tile_dpbusd_ymm_x86.inc"

// The same with 512-bit vpdpbusd (AVX-512 VNNI): 64 MACs an instruction, 64 lanes a step; the
// last step's weights are a masked load (masked-out bytes are not read), the activations are
// padded to 64 lanes with zeros. 32 zmm registers: 4 rows x up to 4 batch rows.
// [Σa, Σb, Σc, Σd] of four 512-bit accumulators: pairs interleaved and added within each
// 128-bit lane, then the four lanes added. About 12 instructions for four sums, where storing
// each accumulator and adding its 16 lanes as scalars took 4 times as long as the tile's dot
// products at K = 1024.
QLINEAR_AVX512 __m128i sum4_512(__m512i a, __m512i b, __m512i c, __m512i d) {
  // The zero-masking forms with every lane selected are the plain instructions; GCC 12's
  // headers implement the plain intrinsics with an undefined source that warns -Wuninitialized.
  constexpr __mmask16 k16 = 0xFFFF;
  constexpr __mmask8 k8 = 0xFF;
  const __m512i ab = _mm512_add_epi32(_mm512_maskz_unpacklo_epi32(k16, a, b), _mm512_maskz_unpackhi_epi32(k16, a, b));
  const __m512i cd = _mm512_add_epi32(_mm512_maskz_unpacklo_epi32(k16, c, d), _mm512_maskz_unpackhi_epi32(k16, c, d));
  const __m512i abcd = _mm512_add_epi32(_mm512_maskz_unpacklo_epi64(k8, ab, cd), _mm512_maskz_unpackhi_epi64(k8, ab, cd));
  // Lanes 2, 3 onto 0, 1, then lane 1 onto 0.
  const __m512i halves = _mm512_add_epi32(abcd, _mm512_maskz_shuffle_i64x2(k8, abcd, abcd, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512i whole = _mm512_add_epi32(halves, _mm512_maskz_shuffle_i64x2(k8, halves, halves, _MM_SHUFFLE(1, 1, 1, 1)));
  return _mm512_maskz_extracti32x4_epi32(0xF, whole, 0);
}

QLINEAR_AVX512 int32_t hsum_512(__m512i v) {
  return _mm_cvtsi128_si32(sum4_512(v, _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()));
}

// The totals of acc[r] (r < R) into out[r], four at a time.
template <int R>
QLINEAR_AVX512 void store_sums(const __m512i (&acc)[R], int32_t* out) {
  int r = 0;
  for (; r + 4 <= R; r += 4)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + r), sum4_512(acc[r], acc[r + 1], acc[r + 2], acc[r + 3]));
  for (; r < R; ++r) out[r] = hsum_512(acc[r]);
}

template <int R, int G>
struct W8A8Avx512Tile {
  using XType = uint8_t;
  static constexpr std::size_t kLanes = 64;
  static constexpr int kRows = 4;
  QLINEAR_AVX512 static void step(__m512i (&acc)[G][R], const uint8_t* xp, const int8_t* const (&wp)[R], std::size_t k,
                                  __mmask64 mask) {
    __m512i xv[G];
    for (int b = 0; b < G; ++b) xv[b] = _mm512_loadu_si512(xp + 64 * b);
    for (int r = 0; r < R; ++r) {
      const __m512i wv = _mm512_maskz_loadu_epi8(mask, wp[r] + k);
      for (int b = 0; b < G; ++b) acc[b][r] = _mm512_dpbusd_epi32(acc[b][r], xv[b], wv);
    }
  }
  QLINEAR_AVX512_ENTRY static void run(const uint8_t* xg, std::size_t, const PackedWeights& w, std::size_t j,
                                       const int32_t*, int32_t raw[G][R]) {
    const std::size_t stride = w.stride;
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = w.values.data() + (j + r) * stride;
    __m512i acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm512_setzero_si512();
    const uint8_t* xp = xg;
    std::size_t k = 0;
    for (; k + 64 <= stride; k += 64, xp += 64 * G) step(acc, xp, wp, k, ~__mmask64{0});
    if (k < stride) step(acc, xp, wp, k, (__mmask64{1} << (stride - k)) - 1);
    for (int b = 0; b < G; ++b) store_sums(acc[b], raw[b]);
  }
};

// R weight rows × B batch rows of Σ x·(w − zw), 8 lanes a step.
template <int R, int B>
struct W8A32Avx2Tile {
  QLINEAR_AVX2_ENTRY static void run(const float* x, std::size_t x_stride, const PackedWeights& w, std::size_t j,
                                     float sums[B][R]) {
    const std::size_t stride = w.stride;
    const int8_t* wp[R];
    __m256 zp[R], acc[B][R];
    for (int r = 0; r < R; ++r) {
      wp[r] = w.values.data() + (j + r) * stride;
      zp[r] = _mm256_set1_ps(static_cast<float>(w.zero_point[j + r]));
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm256_setzero_ps();
    for (std::size_t k = 0; k < stride; k += 8) {
      __m256 xv[B];
      for (int b = 0; b < B; ++b) xv[b] = _mm256_loadu_ps(x + b * x_stride + k);
      for (int r = 0; r < R; ++r) {
        const __m256i wi = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wp[r] + k)));
        const __m256 f = _mm256_sub_ps(_mm256_cvtepi32_ps(wi), zp[r]);
        for (int b = 0; b < B; ++b) acc[b][r] = _mm256_fmadd_ps(xv[b], f, acc[b][r]);
      }
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) sums[b][r] = hsum_f32(acc[b][r]);
  }
};

}  // namespace

void linear_w8a32_avx2(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                       const float* bias, float* y) {
  detail::drive_w8a32<W8A32Avx2Tile, 4, 2, 4>(x, x_stride, batch, w, bias, y);
}

void linear_w8a8_avx2(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Avx2Tile>(x, w, bias, y);
}

void linear_w8a8_avx_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8VnniTile>(x, w, bias, y);
}

void linear_w8a8_avx512_vnni_ymm(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Avx512VnniYmmTile>(x, w, bias, y);
}

void linear_w8a8_avx512_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  detail::drive_w8a8<W8A8Avx512Tile>(x, w, bias, y);
}

}  // namespace qlinear::kernels::x86
