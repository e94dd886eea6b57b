#pragma once
// The fp32 Linear kernel: y = x · Wᵀ + b in float32 SIMD (xsimd; WASM SIMD128 in the wasm build,
// SSE4.1 natively), W row-major [out, in] as PyTorch stores it. Accumulates in float with a
// fixed order (so results are reproducible run to run), within (in_features + 2) · FLT_EPSILON ·
// Σ|x·w| of the exact sum; the double-accumulating kernels::linear_f32 is its oracle. Unlike
// that oracle, a partial sum past FLT_MAX overflows to ±Inf even when the final sum would fit
// (weights near 3e38). A Model's forward reports any non-finite layer output as an error naming
// the layer; a bare Linear::forward returns it, as QuantLinear::forward does.
#include <cstddef>

namespace qlinear::kernels {

void linear_f32_simd(const float* x, std::size_t batch, const float* weight, const float* bias, std::size_t in_features,
                     std::size_t out_features, float* y);

}  // namespace qlinear::kernels
