#pragma once
// Element-wise activations applied after a layer, over a row-major [batch, features] block.
#include <cstddef>
#include <string>

#include "qlinear/names.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

enum class Activation { identity, relu, gelu, silu, sigmoid, tanh, softmax };

template <>
struct EnumNames<Activation> {
  static constexpr const char* type = "ActivationName";
  static constexpr const char* noun = "activation";
  static constexpr NamedValue<Activation> values[] = {
      {Activation::identity, "identity", "none: the layer's output as it is"},
      {Activation::relu, "relu", "max(x, 0)"},
      {Activation::gelu, "gelu", "x · Φ(x), PyTorch's exact (erf) form"},
      {Activation::silu, "silu", "x · sigmoid(x)"},
      {Activation::sigmoid, "sigmoid", "1 / (1 + e^-x)"},
      {Activation::tanh, "tanh", "tanh(x)"},
      {Activation::softmax, "softmax", "per row, shifted by the row maximum"},
  };
  static constexpr NameAlias<Activation> aliases[] = {{"none", Activation::identity}};
};

inline std::string to_string(Activation activation) { return name_of(activation); }
// Accepts the names above plus "none" for identity; throws on anything else.
inline Activation parse_activation(const std::string& name) { return parse_name<Activation>(name); }

// In place. gelu is PyTorch's default (exact, erf-based) form; softmax is per row, shifted by
// the row maximum so large logits do not overflow.
void apply_activation(Activation activation, Span<float> values, std::size_t batch, std::size_t features);

}  // namespace qlinear
