#include "qlinear/float16.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qlinear {

namespace {

// Values per block of the array versions: a block with any value outside the fast path's range is
// converted again one value at a time.
constexpr std::size_t kBlock = 256;

// Bit patterns of |x|: below kNormalLow a float16 subnormal (or zero), from kHalfOverflow on
// ±infinity once rounded.
constexpr uint32_t kNormalLow = 0x38800000u;    // 2^-14, the smallest normal float16
constexpr uint32_t kHalfOverflow = 0x477FF000u;  // 65520

uint32_t bits_of(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

// Round a float's bits to 10 mantissa bits, to nearest, ties to even: add just under half of the
// dropped part's weight (plus the kept last bit) and clear it. Exact for normal float16 values.
uint32_t round_mantissa(uint32_t u) { return (u + 0xFFFu + ((u >> 13) & 1u)) & ~0x1FFFu; }

// Whether the fast path is exact for |x|'s bits: zero, or a normal float16 once rounded.
bool fast(uint32_t abs) { return abs == 0 || abs - kNormalLow < kHalfOverflow - kNormalLow; }

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {        // subnormal half: normalise
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float round_to_half(float value) {
  uint32_t u;
  std::memcpy(&u, &value, 4);
  if ((u & 0x7FFFFFFFu) - kNormalLow < kHalfOverflow - kNormalLow) {  // a normal float16
    u = round_mantissa(u);
    float rounded;
    std::memcpy(&rounded, &u, 4);
    return rounded;
  }
  return half_to_float(float_to_half(value));  // zero, subnormals, overflow, infinity, NaN
}

uint16_t float_to_half(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) return sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u | ((abs >> 13) & 0x3FFu) : 0u);
  if (abs >= 0x477FF000u) return sign | 0x7C00u;  // 65520 and up round to infinity
  if (abs < 0x38800000u) {                         // below 2^-14: a half subnormal, in units of 2^-24
    float v;
    std::memcpy(&v, &abs, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(v * 16777216.0f));  // exact scaling, then to nearest even
  }
  uint32_t h = ((abs >> 23) - 112) << 10 | ((abs >> 13) & 0x3FFu);
  const uint32_t rest = abs & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right too
  return sign | static_cast<uint16_t>(h);
}

void float_to_half(const float* x, std::size_t n, uint16_t* h) {
  for (std::size_t at = 0; at < n; at += kBlock) {
    const std::size_t m = std::min(kBlock, n - at);
    bool exact = true;
    for (std::size_t i = 0; i < m; ++i) {
      const uint32_t u = bits_of(x[at + i]), abs = u & 0x7FFFFFFFu;
      exact &= fast(abs);
      // Rounded, then the exponent rebiased from 127 to 15 (a carry out of the mantissa is right).
      const uint32_t half = abs == 0 ? 0u : (round_mantissa(abs) >> 13) - (112u << 10);
      h[at + i] = static_cast<uint16_t>(((u >> 16) & 0x8000u) | (half & 0x7FFFu));
    }
    if (!exact)
      for (std::size_t i = 0; i < m; ++i) h[at + i] = float_to_half(x[at + i]);
  }
}

bool round_to_half(const float* x, std::size_t n, float* out) {
  bool finite = true;
  for (std::size_t at = 0; at < n; at += kBlock) {
    const std::size_t m = std::min(kBlock, n - at);
    bool exact = true;
    for (std::size_t i = 0; i < m; ++i) {
      const uint32_t u = bits_of(x[at + i]);
      exact &= fast(u & 0x7FFFFFFFu);
      const uint32_t r = round_mantissa(u);
      std::memcpy(&out[at + i], &r, 4);
    }
    if (!exact)
      for (std::size_t i = 0; i < m; ++i) {
        out[at + i] = round_to_half(x[at + i]);
        finite &= std::isfinite(out[at + i]);
      }
  }
  return finite;
}

}  // namespace qlinear
