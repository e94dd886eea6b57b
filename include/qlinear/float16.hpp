#pragma once
// IEEE float16 (PyTorch's torch.half) conversions, one value at a time and over arrays. The array
// versions give exactly what the one-value ones give, element by element; they take a branch-free
// path, which compilers vectorize, for the values where it is exact (zero and normal float16
// values) and fall back to the one-value conversions for a block that holds anything else.
#include <cstddef>
#include <cstdint>

namespace qlinear {

// IEEE half → float, exactly (every half value is a float value).
float half_to_float(uint16_t h);

// float → IEEE half, round to nearest even (as PyTorch's .half()).
uint16_t float_to_half(float value);

// half_to_float(float_to_half(value)), the float16 value nearest `value`, without the round trip.
float round_to_half(float value);

// h[i] = float_to_half(x[i]) for i < n.
void float_to_half(const float* x, std::size_t n, uint16_t* h);

// out[i] = round_to_half(x[i]) for i < n (out may be x). Returns false when a value rounded to
// ±infinity or is NaN (|x| ≥ 65520, or x already non-finite): the caller names it.
bool round_to_half(const float* x, std::size_t n, float* out);

}  // namespace qlinear
