#include "qlinear/checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "qlinear/error.hpp"

namespace qlinear {

bool all_finite(Span<const float> values) {
  // NaN and ±Inf are the floats whose exponent bits are all ones.
  constexpr uint32_t kExponent = 0x7F800000u;
  uint32_t widest = 0;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    widest = std::max(widest, bits & kExponent);
  }
  return widest != kExponent;
}

void require_finite(Span<const float> values, const char* what) {
  if (all_finite(values)) return;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      const char* kind = std::isnan(values[i]) ? "NaN" : (values[i] > 0 ? "+Inf" : "-Inf");
      throw Error(std::string(what) + " contains " + kind + " at index " + std::to_string(i) +
                  ": qlinear only works with finite numbers");
    }
  }
}

}  // namespace qlinear
