// The packed int8 kernels for the native build on x86-64: SSE4.1 tiles (the baseline, the same
// algorithm as packed_wasm.cpp: sign-extending loads + _mm_madd_epi16 for W8A8, int8 → f32 via
// pmovsxbd + cvtdq2ps for W8A32), and the runtime choice between them, the AVX2 / AVX-VNNI /
// AVX-512 VNNI tiles of packed_avx2.cpp and the batched GEMMs of packed_x86_gemm.cpp, made once
// from CPUID.
#include <cpuid.h>
#include <smmintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "qlinear/kernels/packed_driver.hpp"
#include "qlinear/kernels/packed_x86.hpp"
#include "qlinear/threads.hpp"

namespace qlinear::kernels {

namespace {

inline int32_t hsum_i32(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

inline float hsum_f32(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}

inline __m128i load_i8x8_as_i16(const int8_t* p) {
  return _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

inline __m128 load_i8x4_as_f32(const int8_t* p) {
  int32_t bits;
  std::memcpy(&bits, p, 4);
  return _mm_cvtepi32_ps(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(bits)));
}

// See W8A8Tile in packed_wasm.cpp: R weight rows × G interleaved activation rows.
template <int R, int G>
struct W8A8Tile {
  using XType = int16_t;
  static constexpr std::size_t kLanes = 8;
  static constexpr int kRows = G == 4 ? 2 : 4, kRowsLong = kRows;
  static void run(const int16_t* xg, std::size_t stride, const PackedWeights& w, std::size_t j, int32_t raw[G][R]) {
    const int8_t* wp[R];
    for (int r = 0; r < R; ++r) wp[r] = w.values.data() + (j + r) * stride;
    __m128i acc[G][R];
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm_setzero_si128();
    const int16_t* xp = xg;
    if constexpr (G == 1) {
      // 16 lanes a step, the two products summed before they reach the accumulator.
      for (std::size_t k = 0; k < stride; k += 16, xp += 16) {
        const __m128i xl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp));
        const __m128i xh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp + 8));
        for (int r = 0; r < R; ++r)
          acc[0][r] = _mm_add_epi32(acc[0][r], _mm_add_epi32(_mm_madd_epi16(xl, load_i8x8_as_i16(wp[r] + k)),
                                                             _mm_madd_epi16(xh, load_i8x8_as_i16(wp[r] + k + 8))));
      }
    } else {
      for (std::size_t k = 0; k < stride; k += 8, xp += 8 * G) {
        __m128i xv[G];
        for (int b = 0; b < G; ++b) xv[b] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp + 8 * b));
        for (int r = 0; r < R; ++r) {
          const __m128i wv = load_i8x8_as_i16(wp[r] + k);
          for (int b = 0; b < G; ++b) acc[b][r] = _mm_add_epi32(acc[b][r], _mm_madd_epi16(xv[b], wv));
        }
      }
    }
    for (int b = 0; b < G; ++b)
      for (int r = 0; r < R; ++r) raw[b][r] = hsum_i32(acc[b][r]);
  }
};

// R weight rows × B batch rows of Σ x·(w − zw); 8 lanes a step, the two products summed before
// they reach the accumulator.
template <int R, int B>
struct W8A32Tile {
  static void run(const float* x, std::size_t x_stride, const PackedWeights& w, std::size_t j, float sums[B][R]) {
    const std::size_t stride = w.stride;
    const int8_t* wp[R];
    __m128 zp[R], acc[B][R];
    for (int r = 0; r < R; ++r) {
      wp[r] = w.values.data() + (j + r) * stride;
      zp[r] = _mm_set1_ps(static_cast<float>(w.zero_point[j + r]));
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) acc[b][r] = _mm_setzero_ps();
    for (std::size_t k = 0; k < stride; k += 8) {
      __m128 x0[B], x1[B];
      for (int b = 0; b < B; ++b) {
        x0[b] = _mm_loadu_ps(x + b * x_stride + k);
        x1[b] = _mm_loadu_ps(x + b * x_stride + k + 4);
      }
      for (int r = 0; r < R; ++r) {
        const __m128 f0 = _mm_sub_ps(load_i8x4_as_f32(wp[r] + k), zp[r]);
        const __m128 f1 = _mm_sub_ps(load_i8x4_as_f32(wp[r] + k + 4), zp[r]);
        for (int b = 0; b < B; ++b)
          acc[b][r] = _mm_add_ps(acc[b][r], _mm_add_ps(_mm_mul_ps(x0[b], f0), _mm_mul_ps(x1[b], f1)));
      }
    }
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) sums[b][r] = hsum_f32(acc[b][r]);
  }
};

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
// "avxvnni". AVX-VNNI: leaf 7.1 EAX[4]; AVX-512 BW: leaf 7.0 EBX[30]; AVX-512 VNNI: leaf 7.0 ECX[11];
// AMX-TILE and AMX-INT8: leaf 7.0 EDX[24] and EDX[25].
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
             (ebx & (1u << 30)) != 0 && (ecx & (1u << 11)) != 0;
    case Isa::amx:
      return supported(Isa::avx512_vnni) && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) &&
             (edx & (1u << 24)) != 0 && (edx & (1u << 25)) != 0 && request_amx();
  }
  return false;
}

// The widest level available under `ceiling` and the QLINEAR_X86_ISA cap
// (sse41|avx2|avx-vnni|avx512-vnni), so tests and benchmarks can run each kernel on one machine.
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

// AVX-512 tiles only from 4 batch rows on: at batch 1 they are no faster (memory bound) and on
// small layers slower (64-lane steps with a masked tail, a wider reduction per output): W4's
// layers took 7 us instead of 4.
Isa isa_for_small_batches() {
  static const Isa chosen = best_up_to(Isa::avx_vnni);
  return chosen;
}

}  // namespace

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  if (isa() != Isa::sse41) return x86::linear_w8a32_avx2(x, x_stride, batch, w, bias, y);
  detail::drive_w8a32<W8A32Tile, 2, 2, 4>(x, x_stride, batch, w, bias, y);
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
  if (small == Isa::avx2) return x86::linear_w8a8_avx2(x, w, bias, y);
  detail::drive_w8a8<W8A8Tile>(x, w, bias, y);
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
