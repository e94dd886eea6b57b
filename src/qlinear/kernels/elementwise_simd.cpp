#include <algorithm>
#include <cmath>

#include <xsimd/xsimd.hpp>

#include "qlinear/kernels/elementwise.hpp"

namespace qlinear::kernels {

namespace {
using Batch = xsimd::batch<float>;
constexpr std::size_t kLanes = Batch::size;
}  // namespace

MinMax minmax_simd(const float* x, std::size_t n) {
  if (n < kLanes) return minmax_reference(x, n);
  Batch lo = Batch::load_unaligned(x), hi = lo;
  std::size_t i = kLanes;
  for (; i + kLanes <= n; i += kLanes) {
    const Batch v = Batch::load_unaligned(x + i);
    lo = xsimd::min(lo, v);
    hi = xsimd::max(hi, v);
  }
  alignas(64) float lo_lanes[kLanes], hi_lanes[kLanes];
  lo.store_aligned(lo_lanes);
  hi.store_aligned(hi_lanes);
  MinMax m{*std::min_element(lo_lanes, lo_lanes + kLanes), *std::max_element(hi_lanes, hi_lanes + kLanes)};
  if (i < n) {
    const MinMax tail = minmax_reference(x + i, n - i);
    m.min = std::min(m.min, tail.min);
    m.max = std::max(m.max, tail.max);
  }
  return m;
}

void quantize_simd(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                   uint8_t* q) {
  // All in float: after rounding and the ±1024 clamp every value is a small integer, so adding
  // the zero point and clamping to [lo, hi] are exact, as in the integer arithmetic of the reference.
  const Batch inv(inv_scale), zp(static_cast<float>(zero_point));
  const Batch lo_f(static_cast<float>(lo)), hi_f(static_cast<float>(hi));
  const Batch limit(1024.0f);
  alignas(64) int32_t lanes[kLanes];
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Batch steps = xsimd::nearbyint(Batch::load_unaligned(x + i) * inv);
    steps = xsimd::min(xsimd::max(steps, -limit), limit);
    const Batch v = xsimd::min(xsimd::max(steps + zp, lo_f), hi_f);
    xsimd::to_int(v).store_aligned(lanes);
    for (std::size_t k = 0; k < kLanes; ++k) q[i + k] = static_cast<uint8_t>(lanes[k]);
  }
  quantize_reference(x + i, n - i, inv_scale, zero_point, lo, hi, q + i);
}

}  // namespace qlinear::kernels
