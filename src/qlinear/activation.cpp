#include "qlinear/activation.hpp"

#include <algorithm>
#include <cmath>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {
template <typename Fn>
void for_each(Span<float> values, Fn fn) {
  for (float& v : values) v = fn(v);
}
}  // namespace

void apply_activation(Activation activation, Span<float> values, std::size_t batch, std::size_t features) {
  switch (activation) {
    case Activation::identity:
      return;
    case Activation::relu:
      return for_each(values, [](float x) { return x > 0.0f ? x : 0.0f; });
    case Activation::gelu:
      return for_each(values, [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); });
    case Activation::silu:
      return for_each(values, [](float x) { return x / (1.0f + std::exp(-x)); });
    case Activation::sigmoid:
      return for_each(values, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
    case Activation::tanh:
      return for_each(values, [](float x) { return std::tanh(x); });
    case Activation::softmax:
      for (std::size_t b = 0; b < batch; ++b) {
        float* row = values.data() + b * features;
        const float peak = *std::max_element(row, row + features);
        float sum = 0.0f;
        for (std::size_t i = 0; i < features; ++i) sum += (row[i] = std::exp(row[i] - peak));
        for (std::size_t i = 0; i < features; ++i) row[i] /= sum;
      }
      return;
  }
}

}  // namespace qlinear
