#pragma once
// The int8 weights of a QuantLinear as the kernels stream them: packed once, when the layer is
// quantized (src/qlinear/kernels/packed.hpp packs them and runs the kernels over them). Public
// only because a QuantLinear holds one by value; nothing outside the core reads its fields.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qlinear::kernels {

// The largest inner dimension W8A8 accepts: both centred factors (xq − zx) and (wq − zw) are at
// most 255 in magnitude, so an int32 accumulator cannot overflow up to 33025 of their products.
constexpr std::size_t kMaxW8A8InFeatures = 2147483647 / (255 * 255);  // 33025

constexpr std::size_t kPackedAlignment = 16;  // int8 lanes in one 128-bit vector

// Zero bytes after the last row. The native AMX kernel reads whole 64-byte blocks of K, up to 48
// bytes past the end of a row (into the next row, where the activations it meets are zero), so
// the last row needs room behind it too. The wasm kernels read whole rows only.
#ifdef __wasm_simd128__
constexpr std::size_t kPackedSlack = 0;
#else
constexpr std::size_t kPackedSlack = 64;
#endif

// Natively rows are plain, row j at values + j · stride, which the x86 kernels assume. In wasm
// rows are stored in groups of kPackedRowGroup = 4, two pairs of rows, 8 weights at a time:
// [out_features / 4][stride / 8][pair][8][2] (kernels/packed.hpp: packed_offset), the two rows
// of a pair byte by byte, the even row's byte stored as w + 128 (w ^ 0x80). So a tile of four
// rows at batch 1 reads one contiguous stream (four plain rows were four streams 4 KiB apart that
// the hardware prefetcher followed badly: 12.5 -> 26.8 GMAC/s on a 4096 x 4096 layer, weights
// from memory), and each 16 bytes read as i16x8 is 256 · w_odd + (w_even + 128) lane by lane, which
// i32x4.dot_i16x8_s multiplies with no widening first: one shift and two dots give both rows
// (w8a8_tiles_wasm_simd128.cpp), where sign-extending loads cost two instructions more per 16
// weights (bench/README.md, "Interleaved rows" and "Row pairs").
#ifdef __wasm_simd128__
constexpr std::size_t kPackedRowGroup = 4;
#else
constexpr std::size_t kPackedRowGroup = 1;
#endif

// int8 rows padded to a multiple of 16 (one 128-bit vector), quint8 shifted by -128 into int8
// (q - z is unchanged when both move), and per row the scale, zero point and Σ q that the W8A8
// zero-point correction needs.
struct PackedWeights {
  std::size_t out_features = 0;
  std::size_t in_features = 0;
  std::size_t stride = 0;          // in_features rounded up to kPackedAlignment
  std::vector<int8_t> values;      // rows in groups (above; the last group padded with zero rows),
                                   // then kPackedSlack bytes; padding holds weight 0
  std::vector<float> scale;        // per output row
  std::vector<int32_t> zero_point;  // per output row, in the shifted (int8) domain of the weights
  std::vector<int32_t> row_sum;    // per row j, Σ_k of its weights in that domain (before any flip)
  bool shifted = false;            // quint8 weights stored as q - 128

  std::size_t bytes() const {
    return values.size() + (scale.size() + zero_point.size() + row_sum.size()) * 4;
  }
};

// Which implementation of the packed int8 kernels (src/qlinear/kernels/packed.hpp) runs: "wasm-simd128" ("wasm-relaxed-simd" in the
// relaxed-SIMD module, whose batch-1 and 7-bit W8A8 kernels use relaxed SIMD's int8 dot), or natively "sse4.1",
// "avx2", "avx-vnni", "avx512-vnni" or "amx-int8" (the widest W8A8 kernels: with "avx512-vnni"
// its tiles from 4 batch rows on, its broadcast GEMM from 16, and below 4 rows vpdpbusd on ymm
// (the VEX form where the CPU has AVX-VNNI, else the EVEX one); AMX tdpbsud from 16 batch rows;
// W8A32 uses AVX2 from "avx2" up), chosen at run time from CPUID (and, for AMX, Linux's permission);
// QLINEAR_X86_ISA=sse41|avx2|avx-vnni|avx512-vnni|amx-int8 caps it.
const char* packed_kernels_isa();

}  // namespace qlinear::kernels
