#include "qlinear/checks.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "qlinear/error.hpp"
#include "qlinear/kernels/partition.hpp"

namespace qlinear {

bool all_finite(Span<const float> values) {
  // NaN and ±Inf are the floats whose exponent bits are all ones. Compared lane by lane and
  // or-ed, so that compilers vectorize the loop with baseline SIMD.
  constexpr uint32_t kExponent = 0x7F800000u;
  uint32_t non_finite = 0;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    non_finite |= (bits & kExponent) == kExponent;
  }
  return non_finite == 0;
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

void check_forward_input(Span<const float> x, std::ptrdiff_t batch, std::size_t in_features, const char* layer_kind) {
  if (batch <= 0) throw Error(std::string(layer_kind) + " forward: batch must be positive, got " + std::to_string(batch));
  const auto rows = static_cast<std::size_t>(batch);
  if (x.size() / rows != in_features || x.size() % rows != 0)
    throw Error(std::string(layer_kind) + " forward: input has " + std::to_string(x.size()) + " values, but batch " +
                std::to_string(batch) + " x " + std::to_string(in_features) + " features needs " +
                std::to_string(rows * in_features));
  // Checked in blocks of rows on the kernels' threads (a fiftieth of a two-thread forward serial);
  // the error, naming the first bad value, is thrown here.
  std::atomic<bool> finite{true};
  kernels::for_each_row_block(rows, in_features * kernels::kMacsPerElement, 1, [&](std::size_t b0, std::size_t b1) {
    if (!all_finite({x.data() + b0 * in_features, (b1 - b0) * in_features})) finite.store(false, std::memory_order_relaxed);
  });
  if (!finite.load(std::memory_order_relaxed)) require_finite(x, "forward input");
}

void check_forward_output(Span<float> y, std::ptrdiff_t batch, std::size_t out_features, const char* layer_kind) {
  const std::size_t needed = static_cast<std::size_t>(batch) * out_features;
  if (y.size() != needed)
    throw Error(std::string(layer_kind) + " forward: the output has room for " + std::to_string(y.size()) +
                " values, but batch " + std::to_string(batch) + " x " + std::to_string(out_features) +
                " features needs " + std::to_string(needed));
}

}  // namespace qlinear
