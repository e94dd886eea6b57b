#pragma once
// Element-wise activations applied after a layer, over a row-major [batch, features] block.
#include <cstddef>
#include <string>

#include "qlinear/span.hpp"

namespace qlinear {

enum class Activation { identity, relu, gelu, silu, sigmoid, tanh, softmax };

std::string to_string(Activation activation);
// Accepts the names above plus "none" for identity; throws on anything else.
Activation parse_activation(const std::string& name);

// In place. gelu is PyTorch's default (exact, erf-based) form; softmax is per row, shifted by
// the row maximum so large logits do not overflow.
void apply_activation(Activation activation, Span<float> values, std::size_t batch, std::size_t features);

}  // namespace qlinear
