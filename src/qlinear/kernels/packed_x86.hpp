#pragma once
// The AVX2, AVX-VNNI and AVX-512 VNNI kernels of packed_avx2.cpp and the batched GEMMs of
// packed_x86_gemm.cpp, called by packed_x86.cpp when CPUID says the CPU has them (never
// otherwise: they are compiled for those ISAs with target attributes).
#include "qlinear/kernels/packed.hpp"

// Target attributes for the AVX-512 VNNI code of packed_avx2.cpp and packed_x86_gemm.cpp: the
// always-inline helpers and the noinline entry points (the files are compiled for the baseline).
#define QLINEAR_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni"), always_inline)) inline
#define QLINEAR_AVX512_ENTRY __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni"), noinline))

namespace qlinear::kernels::x86 {

void linear_w8a32_avx2(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                       const float* bias, float* y);
void linear_w8a8_avx2(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void linear_w8a8_avx_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
void linear_w8a8_avx512_vnni(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// Batched (16 batch rows and more): a broadcast GEMM over activation panels of 16 rows.
void linear_w8a8_avx512_gemm(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);
// The same panels as the B operand of AMX tdpbsud, 32 output rows x 32 batch rows a block.
// Callers make sure the thread may use AMX (amx_available()).
void linear_w8a8_amx(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y);

// Whether this CPU runs linear_w8a8_avx512_gemm, and linear_w8a8_amx (asking Linux for the AMX
// state the first time), whatever QLINEAR_X86_ISA says: for tests of each batched kernel.
bool avx512_vnni_available();
bool amx_available();

}  // namespace qlinear::kernels::x86
