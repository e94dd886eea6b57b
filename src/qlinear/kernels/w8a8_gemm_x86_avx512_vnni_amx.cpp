// The batched native W8A8 kernels, for 16 batch rows and more, chosen at run time by
// dispatch_x86.cpp: a broadcast GEMM on AVX-512 VNNI and the same on AMX-INT8. Both copy the
// activations once per call into panels of 16 batch rows and read the weights as packed, with no
// horizontal sums. Compiled with the baseline flags like the AVX2/AVX-512 tiles: only the
// functions carry target attributes.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "qlinear/kernels/packed_driver.hpp"
#include "qlinear/kernels/kernels_x86.hpp"

namespace qlinear::kernels::x86 {

namespace {

// Batched W8A8 on AVX-512 VNNI as a broadcast GEMM: no horizontal sums, the weights as stored.
// The activations are copied once per call into panels of 16 batch rows, [k / 4][16 rows][4
// bytes] (uint8, zero beyond K and beyond the last batch row), so one zmm holds 4 consecutive
// activations of 16 rows; the 4 int8 weights w[j][k..k+3] that multiply them are 4 consecutive
// bytes of a packed row, broadcast to all 16 lanes by vpdpbusd's {1to16} memory operand. A tile
// keeps R × P accumulators, R output rows × P panels (16 batch rows each), and does R × P
// vpdpbusd per 4 values of K with P panel loads; the accumulators end up holding the raw dot
// products of 16 batch rows for one output row, so the zero-point correction and scaling run
// along the batch (vectorized), and a 16 × 16 transpose in registers writes them as rows of y.
struct GemmArgs {
  const uint8_t* panels;
  std::size_t panel_bytes;  // one panel: steps × 64
  std::size_t steps;        // ceil(K / 4)
  const int32_t* zx;        // per batch row, padded to whole panels
  const int32_t* x_sum;
  const float* sx;
  const PackedWeights* w;
  const float* bias;
  float* y;
  std::size_t batch;
};

// v[m] holds output row j + m for 16 batch rows; stores it as out[b * n + m] for the first
// rows_valid rows and batch_valid batch rows: a 16 × 16 transpose in registers (pairs of rows
// interleaved, then pairs of pairs, then 128-bit lanes), then one masked store a batch row. A
// scatter per output row instead cost a sixth of the VNNI GEMM's time on Zen 4.
QLINEAR_AVX512 void store_transposed(const __m512 (&v)[16], float* out, std::size_t n, std::size_t rows_valid,
                                     std::size_t batch_valid) {
  constexpr __mmask16 all = 0xFFFF;
  constexpr __mmask8 all8 = 0xFF;
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_maskz_unpacklo_ps(all, v[2 * i], v[2 * i + 1]);
    t[2 * i + 1] = _mm512_maskz_unpackhi_ps(all, v[2 * i], v[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d t0 = _mm512_castps_pd(t[4 * i]), t1 = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * i + 2]), t3 = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, t0, t2));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, t0, t2));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, t1, t3));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, t1, t3));
  }
  // u[4i + c] holds rows 4i..4i+3 of column 4L + c in its 128-bit lane L.
  const __mmask16 out_mask = static_cast<__mmask16>((1u << rows_valid) - 1);
  for (int c = 0; c < 4; ++c) {
    const __m512 even_lo = _mm512_maskz_shuffle_f32x4(all, u[c], u[4 + c], 0x88);
    const __m512 even_hi = _mm512_maskz_shuffle_f32x4(all, u[8 + c], u[12 + c], 0x88);
    const __m512 odd_lo = _mm512_maskz_shuffle_f32x4(all, u[c], u[4 + c], 0xDD);
    const __m512 odd_hi = _mm512_maskz_shuffle_f32x4(all, u[8 + c], u[12 + c], 0xDD);
    const __m512 cols[4] = {_mm512_maskz_shuffle_f32x4(all, even_lo, even_hi, 0x88),
                            _mm512_maskz_shuffle_f32x4(all, odd_lo, odd_hi, 0x88),
                            _mm512_maskz_shuffle_f32x4(all, even_lo, even_hi, 0xDD),
                            _mm512_maskz_shuffle_f32x4(all, odd_lo, odd_hi, 0xDD)};
    for (int l = 0; l < 4; ++l) {
      const std::size_t b = 4 * static_cast<std::size_t>(l) + static_cast<std::size_t>(c);
      if (b < batch_valid) _mm512_mask_storeu_ps(out + b * n, out_mask, cols[l]);
    }
  }
}

template <int R, int P>
QLINEAR_AVX512_ENTRY void gemm_tile(const GemmArgs& a, std::size_t j, std::size_t p0) {
  const std::size_t stride = a.w->stride, n = a.w->out_features;
  const int8_t* wp = a.w->values.data() + j * stride;
  const uint8_t* xp = a.panels + p0 * a.panel_bytes;
  __m512i acc[P][R];
#pragma GCC unroll 32
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) acc[p][r] = _mm512_setzero_si512();
  for (std::size_t s = 0; s < a.steps; ++s, wp += 4, xp += 64) {
    __m512i xv[P];
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) xv[p] = _mm512_loadu_si512(xp + p * a.panel_bytes);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      int32_t four;
      std::memcpy(&four, wp + r * stride, 4);
      const __m512i wv = _mm512_set1_epi32(four);
#pragma GCC unroll 32
      for (int p = 0; p < P; ++p) acc[p][r] = _mm512_dpbusd_epi32(acc[p][r], xv[p], wv);
    }
  }
  // y = (sx · sw) · (raw − zx·Σw − zw·Σx + K·zx·zw) + bias, in the reference's order (no FMA:
  // the masked forms are builtins GCC does not contract), the integers wrapping like the
  // reference's exact int32 result.
  const __m512i k = _mm512_set1_epi32(static_cast<int32_t>(a.w->in_features));
  const __m512i rows = _mm512_mullo_epi32(_mm512_set1_epi32(static_cast<int32_t>(n)),
                                          _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
  constexpr __mmask16 all = 0xFFFF;
#pragma GCC unroll 32
  for (int p = 0; p < P; ++p) {
    const std::size_t b0 = (p0 + p) * 16;
    if (b0 >= a.batch) break;
    const std::size_t valid = std::min<std::size_t>(16, a.batch - b0);
    const __mmask16 store = static_cast<__mmask16>((1u << valid) - 1);
    const __m512i zx = _mm512_loadu_si512(a.zx + b0), xs = _mm512_loadu_si512(a.x_sum + b0);
    const __m512i kzx = _mm512_mullo_epi32(k, zx);
    const __m512 sx = _mm512_loadu_ps(a.sx + b0);
    float* out = a.y + b0 * n + j;
    __m512 v[16];
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      const __m512i zw = _mm512_set1_epi32(a.w->zero_point[j + r]);
      const __m512i rs = _mm512_set1_epi32(a.w->row_sum[j + r]);
      const __m512i exact = _mm512_add_epi32(
          _mm512_sub_epi32(_mm512_sub_epi32(acc[p][r], _mm512_mullo_epi32(zx, rs)), _mm512_mullo_epi32(zw, xs)),
          _mm512_mullo_epi32(kzx, zw));
      const __m512 scale = _mm512_maskz_mul_ps(all, sx, _mm512_set1_ps(a.w->scale[j + r]));
      const __m512 yv = _mm512_maskz_add_ps(all, _mm512_maskz_mul_ps(all, scale, _mm512_maskz_cvtepi32_ps(all, exact)),
                                            _mm512_set1_ps(a.bias ? a.bias[j + r] : 0.0f));
      // Tiles of 4 rows and more are transposed to rows of y; a single row is one scatter.
      if constexpr (R >= 4) v[r] = yv;
      else _mm512_mask_i32scatter_ps(out + r, store, rows, yv, 4);
    }
    if constexpr (R >= 4) {
#pragma GCC unroll 32
      for (int r = R; r < 16; ++r) v[r] = _mm512_setzero_ps();
      store_transposed(v, out, n, R, valid);
    }
  }
}

// Which tiles cover rows [j0, j1) for panels p0.. (P of them): 12 rows a tile, then 4, then 1.
template <int P>
void gemm_rows(const GemmArgs& a, std::size_t j0, std::size_t j1, std::size_t p0) {
  std::size_t j = j0;
  for (; j + 12 <= j1; j += 12) gemm_tile<12, P>(a, j, p0);
  for (; j + 4 <= j1; j += 4) gemm_tile<4, P>(a, j, p0);
  for (; j < j1; ++j) gemm_tile<1, P>(a, j, p0);
}

// Batched W8A8 on AMX (Sapphire Rapids and later): the same activation panels are exactly the
// B operand of tdpbsud (16 rows of [16 batch rows][4 bytes], one per 4 values of K), and 16
// packed weight rows are its A operand as stored (16 rows × 64 bytes, the packed stride apart):
// C[m][b] = Σ_k w[j + m][k] · x[b][k], 16 × 16 int32 a tile, 16K MACs an instruction. Four C
// tiles (32 output rows × 32 batch rows), two A and two B tiles. A tile's last 64 bytes of K may
// run up to 48 bytes past the row into the next one (stride is a multiple of 16): harmless, the
// activations are zero there, and the last row has kPackedSlack (64) zero bytes behind it. A last
// group of fewer than 16 rows, whose A tile would read rows that do not exist, is copied once per
// call into a zero-padded buffer. The epilogue corrects and scales along the batch like the VNNI
// GEMM, then transposes each 16 × 16 block in registers so that each batch row's 16 outputs are
// one contiguous (masked) store.
#define QLINEAR_AMX __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni,amx-tile,amx-int8"), always_inline)) inline
#define QLINEAR_AMX_ENTRY __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni,amx-tile,amx-int8"), noinline))

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

struct AmxArgs {
  const uint8_t* panels;
  std::size_t panel_bytes;  // one panel: blocks × 1024
  std::size_t blocks;       // ceil(K / 64)
  const int32_t* zx;
  const int32_t* x_sum;
  const float* sx;
  const int32_t* c1;  // per output row: Σw − K·zw (wrapping)
  const PackedWeights* w;
  const float* bias;
  float* y;
  std::size_t batch;
};

// 16 output rows (m, valid of them) × 16 batch rows from raw C (row m: 16 batch rows), y
// corrected, scaled, transposed and stored as y[b0 + b][j + m].
QLINEAR_AMX void amx_outputs(const AmxArgs& a, const int32_t* raw, std::size_t j, std::size_t rows_valid, std::size_t b0) {
  if (b0 >= a.batch) return;
  constexpr __mmask16 all = 0xFFFF;
  const std::size_t n = a.w->out_features;
  const __m512i zx = _mm512_loadu_si512(a.zx + b0), xs = _mm512_loadu_si512(a.x_sum + b0);
  const __m512 sx = _mm512_loadu_ps(a.sx + b0);
  __m512 v[16];
  for (int m = 0; m < 16; ++m) {
    if (static_cast<std::size_t>(m) >= rows_valid) {
      v[m] = _mm512_setzero_ps();
      continue;
    }
    const std::size_t jm = j + m;
    const __m512i exact = _mm512_sub_epi32(
        _mm512_sub_epi32(_mm512_loadu_si512(raw + 16 * m), _mm512_mullo_epi32(zx, _mm512_set1_epi32(a.c1[jm]))),
        _mm512_mullo_epi32(_mm512_set1_epi32(a.w->zero_point[jm]), xs));
    const __m512 scale = _mm512_maskz_mul_ps(all, sx, _mm512_set1_ps(a.w->scale[jm]));
    v[m] = _mm512_maskz_add_ps(all, _mm512_maskz_mul_ps(all, scale, _mm512_maskz_cvtepi32_ps(all, exact)),
                               _mm512_set1_ps(a.bias ? a.bias[jm] : 0.0f));
  }
  store_transposed(v, a.y + b0 * n + j, n, rows_valid, std::min<std::size_t>(16, a.batch - b0));
}

// MA groups of 16 output rows (weights from wa[i], wa_stride[i] bytes a row) × NB panels from p0.
template <int MA, int NB>
QLINEAR_AMX_ENTRY void amx_block(const AmxArgs& a, const int8_t* const* wa, const std::size_t* wa_stride,
                                 const std::size_t* j, const std::size_t* rows_valid, std::size_t p0) {
  const uint8_t* xp = a.panels + p0 * a.panel_bytes;
  _tile_zero(0);
  if (NB == 2) _tile_zero(1);
  if (MA == 2) _tile_zero(2);
  if (MA == 2 && NB == 2) _tile_zero(3);
  for (std::size_t kb = 0; kb < a.blocks; ++kb) {
    _tile_loadd(4, wa[0] + kb * 64, wa_stride[0]);
    _tile_loadd(6, xp + kb * 1024, 64);
    if (NB == 2) _tile_loadd(7, xp + a.panel_bytes + kb * 1024, 64);
    _tile_dpbsud(0, 4, 6);
    if (NB == 2) _tile_dpbsud(1, 4, 7);
    if (MA == 2) {
      _tile_loadd(5, wa[1] + kb * 64, wa_stride[1]);
      _tile_dpbsud(2, 5, 6);
      if (NB == 2) _tile_dpbsud(3, 5, 7);
    }
  }
  alignas(64) int32_t c[4][256];
  _tile_stored(0, c[0], 64);
  if (NB == 2) _tile_stored(1, c[1], 64);
  if (MA == 2) _tile_stored(2, c[2], 64);
  if (MA == 2 && NB == 2) _tile_stored(3, c[3], 64);
  for (int ma = 0; ma < MA; ++ma)
    for (int nb = 0; nb < NB; ++nb) amx_outputs(a, c[2 * ma + nb], j[ma], rows_valid[ma], (p0 + nb) * 16);
}

QLINEAR_AMX_ENTRY void amx_begin() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.colsb[t] = 64;
    config.rows[t] = 16;
  }
  // Not _tile_loadconfig: GCC 12's declares only the first 8 bytes of the configuration as read,
  // so the stores of the rest may be dropped.
  __asm__ volatile("ldtilecfg %0" : : "m"(config));
}

QLINEAR_AMX_ENTRY void amx_end() { _tile_release(); }

// The activations as panels of 16 batch rows, [k / 4][16][4] bytes each (panel_bytes apart, zero
// beyond K and beyond the last row), and per batch row, padded to whole panels, the zero point,
// Σ xq and the scale. Panels are filled on the kernels' threads, each its own (serial, this was a
// twentieth of a two-thread forward).
struct Panels {
  uint8_t* values;
  int32_t *zx, *x_sum;
  float* sx;
};

Panels pack_panels(const QuantizedRowsView& x, std::size_t panel_bytes) {
  const std::size_t k = x.in_features, panels = (x.batch + 15) / 16, padded_batch = panels * 16;
  Panels out;
  out.values = scratch<uint8_t>(ScratchSlot::tile_activations, panels * panel_bytes);
  int32_t* ints = zeroed_scratch<int32_t>(ScratchSlot::tile_sums, 2 * padded_batch);
  out.zx = ints;
  out.x_sum = ints + padded_batch;
  out.sx = zeroed_scratch<float>(ScratchSlot::tile_sums, padded_batch);
  for_each_row_block(panels, panel_bytes * kMacsPerElement, 1, [&](std::size_t p0, std::size_t p1) {
    std::memset(out.values + p0 * panel_bytes, 0, (p1 - p0) * panel_bytes);
    for (std::size_t b = p0 * 16; b < std::min(x.batch, p1 * 16); ++b) {
      const uint8_t* row = x.values + b * x.row_stride;
      uint8_t* dst = out.values + b / 16 * panel_bytes + b % 16 * 4;
      const std::size_t whole = k / 4;
      for (std::size_t s = 0; s < whole; ++s) std::memcpy(dst + s * 64, row + 4 * s, 4);
      for (std::size_t i = whole * 4; i < k; ++i) dst[whole * 64 + i % 4] = row[i];
      out.zx[b] = x.row_zero_point[b];
      out.x_sum[b] = detail::sum_u8(row, k);
      out.sx[b] = x.row_scale[b];
    }
  });
  return out;
}

}  // namespace

void linear_w8a8_avx512_gemm(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t n = w.out_features, steps = (x.in_features + 3) / 4, panels = (x.batch + 15) / 16;
  const std::size_t panel_bytes = steps * 64;
  const Panels xp = pack_panels(x, panel_bytes);
  const GemmArgs args{xp.values, panel_bytes, steps, xp.zx, xp.x_sum, xp.sx, &w, bias, y, x.batch};
  // Output rows in blocks of about 1 MiB of weights (L2), every pair of panels over a block
  // before the next.
  // Each thread's rows (partition.hpp) in those blocks.
  const std::size_t block = std::max<std::size_t>(12, (std::size_t{1} << 20) / std::max<std::size_t>(w.stride, 1) / 12 * 12);
  for_each_row_block(n, x.batch * w.stride, detail::kRowQuantum, [&](std::size_t rows_begin, std::size_t rows_end) {
    for (std::size_t j0 = rows_begin; j0 < rows_end; j0 += block) {
      const std::size_t j1 = std::min(rows_end, j0 + block);
      std::size_t p = 0;
      for (; p + 2 <= panels; p += 2) gemm_rows<2>(args, j0, j1, p);
      if (p < panels) gemm_rows<1>(args, j0, j1, p);
    }
  });
}

void linear_w8a8_amx(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const std::size_t n = w.out_features, k = x.in_features, stride = w.stride;
  const std::size_t blocks = (k + 63) / 64, panels = (x.batch + 15) / 16, panel_bytes = blocks * 1024;
  const Panels xp = pack_panels(x, panel_bytes);
  int32_t* c1 = scratch<int32_t>(ScratchSlot::tile_panel_sums, n);
  for (std::size_t j = 0; j < n; ++j)
    c1[j] = static_cast<int32_t>(static_cast<uint32_t>(w.row_sum[j]) -
                                 static_cast<uint32_t>(k) * static_cast<uint32_t>(w.zero_point[j]));
  const AmxArgs args{xp.values, panel_bytes, blocks, xp.zx, xp.x_sum, xp.sx, c1, &w, bias, y, x.batch};
  // Groups of 16 rows read in place (their reads past a row's end stay within the next row or
  // the kPackedSlack bytes after the last); a last group of 1 to 15 rows from a zero-padded copy.
  static_assert(kPackedSlack >= 48, "AMX reads up to 48 bytes past a row");
  const std::size_t direct = n / 16 * 16;
  const std::size_t tail = n - direct, tail_stride = blocks * 64;
  const int8_t* tail_rows = nullptr;
  if (tail > 0) {
    int8_t* copy = zeroed_scratch<int8_t>(ScratchSlot::tile_panel, 16 * tail_stride);
    for (std::size_t r = 0; r < tail; ++r) std::memcpy(copy + r * tail_stride, w.values.data() + (direct + r) * stride, stride);
    tail_rows = copy;
  }
  amx_begin();
  // Output rows in blocks of about 512 KiB of weights (L2); every pair of panels (L1) over a
  // block before the next.
  const std::size_t block = std::max<std::size_t>(32, (std::size_t{512} << 10) / stride / 32 * 32);
  auto over_panels = [&](auto ma, const int8_t* const* wa, const std::size_t* wa_stride, const std::size_t* j,
                         const std::size_t* valid, std::size_t p) {
    constexpr int MA = decltype(ma)::value;
    if (p + 2 <= panels) amx_block<MA, 2>(args, wa, wa_stride, j, valid, p);
    else amx_block<MA, 1>(args, wa, wa_stride, j, valid, p);
  };
  const std::size_t full[2] = {16, 16}, strides[2] = {stride, stride};
  for (std::size_t j0 = 0; j0 < direct; j0 += block) {
    const std::size_t j1 = std::min(direct, j0 + block);
    for (std::size_t p = 0; p < panels; p += 2) {
      std::size_t j = j0;
      for (; j + 32 <= j1; j += 32) {
        const int8_t* wa[2] = {w.values.data() + j * stride, w.values.data() + (j + 16) * stride};
        const std::size_t js[2] = {j, j + 16};
        over_panels(detail::Int<2>{}, wa, strides, js, full, p);
      }
      if (j < j1) {
        const int8_t* wa[1] = {w.values.data() + j * stride};
        over_panels(detail::Int<1>{}, wa, strides, &j, full, p);
      }
    }
  }
  if (tail > 0)
    for (std::size_t p = 0; p < panels; p += 2) over_panels(detail::Int<1>{}, &tail_rows, &tail_stride, &direct, &tail, p);
  amx_end();
}

}  // namespace qlinear::kernels::x86
