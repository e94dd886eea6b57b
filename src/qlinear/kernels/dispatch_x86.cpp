// Which packed kernel runs natively on x86-64: the one selection table of the x86 target, made
// once from CPUID (kernels_x86.hpp lists the kernel families):
//
//   W8A8   16+ batch rows   AMX (one thread) > AVX-512 VNNI GEMM     w8a8_gemm_x86_avx512_vnni_amx.cpp
//          4+ batch rows    AVX-512 VNNI tiles                       w8a8_w8a32_tiles_x86_avx2_avx512.cpp
//          otherwise        AVX-VNNI > AVX-512 VNNI on ymm > AVX2   w8a8_w8a32_tiles_x86_avx2_avx512.cpp
//                           SSE4.1 tiles (the baseline)              w8a8_w8a32_tiles_x86_sse41.cpp
//   W8A32                   AVX2 + FMA tiles > SSE4.1 tiles
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "qlinear/kernels/kernels_x86.hpp"
#include "qlinear/threads.hpp"

namespace qlinear::kernels {

// Every x86 kernel reads plain rows, row j at values + j * stride (packed_weights.hpp).
static_assert(kPackedRowGroup == 1, "the x86 kernels assume ungrouped packed rows");

namespace {

// The widest kernels this CPU runs, decided once. Ordered: each level may be capped to a lower one.
enum class Isa { sse41, avx2, avx_vnni, avx512_vnni, amx };
constexpr const char* kIsaNames[] = {"sse4.1", "avx2", "avx-vnni", "avx512-vnni", "amx-int8"};
constexpr const char* kIsaCaps[] = {"sse41", "avx2", "avx-vnni", "avx512-vnni", "amx-int8"};

// Linux gives a process the AMX tile data state only on request (arch_prctl
// ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA; kernel 5.16 on): until then a tile instruction faults.
bool request_amx() {
#ifdef __linux__
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

// Which levels this CPU (and OS: __builtin_cpu_supports checks the saved register state) runs.
// The VNNI bits are read from CPUID directly: clang 14's __builtin_cpu_supports does not know
// "avxvnni". AVX-VNNI: leaf 7.1 EAX[4]; AVX-512 BW and VL: leaf 7.0 EBX[30] and EBX[31]; AVX-512
// VNNI: leaf 7.0 ECX[11]; AMX-TILE and AMX-INT8: leaf 7.0 EDX[24] and EDX[25].
bool supported(Isa level) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  switch (level) {
    case Isa::sse41: return true;
    case Isa::avx2: return avx2;
    case Isa::avx_vnni:
      return avx2 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 4)) != 0;
    case Isa::avx512_vnni:
      return avx2 && __builtin_cpu_supports("avx512f") && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) &&
             (ebx & (1u << 30)) != 0 && (ebx & (1u << 31)) != 0 && (ecx & (1u << 11)) != 0;
    case Isa::amx:
      return supported(Isa::avx512_vnni) && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) &&
             (edx & (1u << 24)) != 0 && (edx & (1u << 25)) != 0 && request_amx();
  }
  return false;
}

// The widest level available under `ceiling` and the QLINEAR_X86_ISA cap
// (sse41|avx2|avx-vnni|avx512-vnni|amx-int8), so tests and benchmarks can run each kernel on one machine.
Isa best_up_to(Isa ceiling) {
  int cap = static_cast<int>(ceiling);
  if (const char* name = std::getenv("QLINEAR_X86_ISA"))
    for (int i = 0; i < cap; ++i)
      if (std::strcmp(name, kIsaCaps[i]) == 0) cap = i;
  for (int i = cap; i > 0; --i)
    if (supported(static_cast<Isa>(i))) return static_cast<Isa>(i);
  return Isa::sse41;
}

Isa isa() {
  static const Isa chosen = best_up_to(Isa::amx);
  return chosen;
}

// Below 4 batch rows the 64-lane AVX-512 tiles were slower on small layers where they were first
// measured (a masked tail, a wider reduction per output: W4's layers took 7 us instead of 4), and
// on Zen 4 slower than the ymm ones at batch 1 (bench/README.md, "Native"), so small batches
// run vpdpbusd on ymm registers: in its VEX form where the CPU has AVX-VNNI, else in its EVEX form
// where it has AVX-512 VNNI (Zen 4, Ice Lake, Cascade Lake), else the AVX2 tiles. Returns avx_vnni,
// avx512_vnni (meaning the EVEX ymm tiles), avx2 or sse41.
Isa isa_for_small_batches() {
  static const Isa chosen = [] {
    const Isa best = best_up_to(Isa::avx512_vnni);
    return best == Isa::avx512_vnni && supported(Isa::avx_vnni) ? Isa::avx_vnni : best;
  }();
  return chosen;
}

}  // namespace

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  if (isa() != Isa::sse41) return x86::linear_w8a32_avx2(x, x_stride, batch, w, bias, y);
  x86::linear_w8a32_sse41(x, x_stride, batch, w, bias, y);
}

void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
  const Isa level = isa();
  // AMX runs on the calling thread only (its tile state is per thread, and no machine here has AMX
  // to test a threaded version on): with more threads the AVX-512 VNNI GEMM, which gives the
  // same bits, splits the rows instead.
  if (level == Isa::amx && x.batch >= 16 && threads() == 1) return x86::linear_w8a8_amx(x, w, bias, y);
  if (level >= Isa::avx512_vnni && x.batch >= 16) return x86::linear_w8a8_avx512_gemm(x, w, bias, y);
  if (level >= Isa::avx512_vnni && x.batch >= 4) return x86::linear_w8a8_avx512_vnni(x, w, bias, y);
  const Isa small = isa_for_small_batches();
  if (small == Isa::avx_vnni) return x86::linear_w8a8_avx_vnni(x, w, bias, y);
  if (small == Isa::avx512_vnni) return x86::linear_w8a8_avx512_vnni_ymm(x, w, bias, y);
  if (small == Isa::avx2) return x86::linear_w8a8_avx2(x, w, bias, y);
  x86::linear_w8a8_sse41(x, w, bias, y);
}

const char* packed_kernels_isa() { return kIsaNames[static_cast<int>(isa())]; }

namespace x86 {

bool avx512_vnni_available() {
  static const bool available = supported(Isa::avx512_vnni);
  return available;
}

bool amx_available() {
  static const bool available = supported(Isa::amx);
  return available;
}

}  // namespace x86

}  // namespace qlinear::kernels
