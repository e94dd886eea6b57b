#include <algorithm>
#include <cmath>

#include "qlinear/kernels/elementwise.hpp"

namespace qlinear::kernels {

MinMax minmax_reference(const float* x, std::size_t n) {
  MinMax m{x[0], x[0]};
  for (std::size_t i = 1; i < n; ++i) {
    m.min = std::min(m.min, x[i]);
    m.max = std::max(m.max, x[i]);
  }
  return m;
}

void quantize_reference(const float* x, std::size_t n, float inv_scale, int32_t zero_point, int32_t lo, int32_t hi,
                        uint8_t* q) {
  for (std::size_t i = 0; i < n; ++i) {
    const float steps = std::min(std::max(std::nearbyint(x[i] * inv_scale), -1024.0f), 1024.0f);
    const int32_t v = std::min(std::max(zero_point + static_cast<int32_t>(steps), lo), hi);
    q[i] = static_cast<uint8_t>(v);
  }
}

void quantize_zero_point_first_reference(const float* x, std::size_t n, float inv_scale, int32_t zero_point,
                                         int32_t lo, int32_t hi, uint8_t* q) {
  const auto zp = static_cast<float>(zero_point);
  for (std::size_t i = 0; i < n; ++i) {
    const float r = std::nearbyint(x[i] * inv_scale + zp);
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(std::min(std::max(r, static_cast<float>(lo)), static_cast<float>(hi))));
  }
}

}  // namespace qlinear::kernels
