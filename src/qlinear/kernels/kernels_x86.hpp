#pragma once
// The x86 target's kernel families, one file each, which dispatch_x86.cpp chooses between: the
// SSE4.1 tiles (w8a8_w8a32_tiles_x86_sse41.cpp), the AVX2, AVX-VNNI and AVX-512 VNNI tiles
// (w8a8_w8a32_tiles_x86_avx2_avx512.cpp) and the batched GEMMs on AVX-512 VNNI and AMX
// (w8a8_gemm_x86_avx512_vnni_amx.cpp). All but SSE4.1 run only where CPUID says the CPU has them:
// they are compiled for those ISAs with target attributes.
#include "qlinear/kernels/packed.hpp"

// Target attributes for the AVX-512 VNNI code of the tiles and the GEMM: the
// always-inline helpers and the noinline entry points (the files are compiled for the baseline).
#define QLINEAR_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni"), always_inline)) inline
#define QLINEAR_AVX512_ENTRY __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni"), noinline))

namespace qlinear::kernels::x86 {

void linear_w8a32_sse41(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                        const float* bias, float* y);
void linear_w8a8_sse41(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void linear_w8a32_avx2(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                       const float* bias, float* y);
void linear_w8a8_avx2(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void linear_w8a8_avx_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void linear_w8a8_avx512_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// The AVX-VNNI tiles' vpdpbusd in its EVEX encoding (AVX-512 VNNI + VL) on ymm: small batches on
// CPUs with AVX-512 VNNI but no AVX-VNNI.
void linear_w8a8_avx512_vnni_ymm(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// Batched (16 batch rows and more): a broadcast GEMM over activation panels of 16 rows.
void linear_w8a8_avx512_gemm(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// The same panels as the B operand of AMX tdpbsud, 32 output rows x 32 batch rows a block.
// Callers make sure the thread may use AMX (amx_available()).
void linear_w8a8_amx(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);

// Whether this CPU runs the AVX-512 VNNI kernels (linear_w8a8_avx512_gemm, linear_w8a8_avx512_vnni
// and its ymm form), and linear_w8a8_amx (asking Linux for the AMX state the first time), whatever
// QLINEAR_X86_ISA says: for tests that run each kernel directly.
bool avx512_vnni_available();
bool amx_available();

}  // namespace qlinear::kernels::x86
