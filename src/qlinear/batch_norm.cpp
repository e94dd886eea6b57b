#include "qlinear/batch_norm.hpp"

#include <cmath>
#include <string>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

// gamma / sqrt(var + eps) and beta − mean · that, per feature, in float32 as PyTorch computes them.
struct ScaleShift {
  std::vector<float> scale, shift;
};

ScaleShift scale_shift(const BatchNorm1d& bn, std::size_t expected, const char* which) {
  const std::size_t n = bn.features();
  if (n != expected)
    throw Error("a BatchNorm1d of " + std::to_string(n) + " features cannot be folded into a Linear of " +
                std::to_string(expected) + " " + which);
  if (bn.running_var.size() != n || (!bn.weight.empty() && bn.weight.size() != n) || (!bn.bias.empty() && bn.bias.size() != n))
    throw Error("a BatchNorm1d's running_mean, running_var, weight and bias must have the same length");
  if (!(bn.eps >= 0.0f)) throw Error("BatchNorm1d eps must be >= 0, got " + std::to_string(bn.eps));
  ScaleShift s{std::vector<float>(n), std::vector<float>(n)};
  for (std::size_t i = 0; i < n; ++i) {
    if (!(bn.running_var[i] >= 0.0f))
      throw Error("BatchNorm1d running_var[" + std::to_string(i) + "] is " + std::to_string(bn.running_var[i]) +
                  ": a variance cannot be negative");
    const float gamma = bn.weight.empty() ? 1.0f : bn.weight[i];
    const float beta = bn.bias.empty() ? 0.0f : bn.bias[i];
    s.scale[i] = gamma * (1.0f / std::sqrt(bn.running_var[i] + bn.eps));
    s.shift[i] = beta - bn.running_mean[i] * s.scale[i];
  }
  return s;
}

}  // namespace

Linear fold_batch_norm_after(const Linear& linear, const BatchNorm1d& bn) {
  const std::size_t out = linear.out_features(), in = linear.in_features();
  const ScaleShift s = scale_shift(bn, out, "outputs");
  std::vector<float> weight = linear.weight(), bias(out);
  for (std::size_t o = 0; o < out; ++o) {
    for (std::size_t i = 0; i < in; ++i) weight[o * in + i] *= s.scale[o];
    const float b = linear.has_bias() ? linear.bias()[o] : 0.0f;
    const float beta = bn.bias.empty() ? 0.0f : bn.bias[o];
    bias[o] = (b - bn.running_mean[o]) * s.scale[o] + beta;  // PyTorch's order of operations
  }
  return Linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out), std::move(weight), std::move(bias));
}

Linear fold_batch_norm_before(const BatchNorm1d& bn, const Linear& linear) {
  const std::size_t out = linear.out_features(), in = linear.in_features();
  const ScaleShift s = scale_shift(bn, in, "inputs");
  std::vector<float> weight = linear.weight(), bias(out);
  for (std::size_t o = 0; o < out; ++o) {
    double shifted = linear.has_bias() ? linear.bias()[o] : 0.0;  // the shift through W, summed in double
    for (std::size_t i = 0; i < in; ++i) {
      shifted += static_cast<double>(weight[o * in + i]) * s.shift[i];
      weight[o * in + i] *= s.scale[i];
    }
    bias[o] = static_cast<float>(shifted);
  }
  return Linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out), std::move(weight), std::move(bias));
}

}  // namespace qlinear
