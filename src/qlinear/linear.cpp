#include "qlinear/linear.hpp"

#include <string>

#include "qlinear/error.hpp"
#include "qlinear/kernels/dense_f32.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

namespace {
std::size_t positive(std::ptrdiff_t v, const char* name) {
  if (v <= 0) throw Error(std::string("Linear: ") + name + " must be positive, got " + std::to_string(v));
  return static_cast<std::size_t>(v);
}
}  // namespace

Linear::Linear(std::ptrdiff_t in_features, std::ptrdiff_t out_features, std::vector<float> weight, std::vector<float> bias)
    : in_features_(positive(in_features, "in_features")),
      out_features_(positive(out_features, "out_features")),
      weight_(std::move(weight)),
      bias_(std::move(bias)) {
  if (weight_.size() / out_features_ != in_features_ || weight_.size() % out_features_ != 0)
    throw Error("Linear: weight has " + std::to_string(weight_.size()) + " values, but [" + std::to_string(out_features_) +
                ", " + std::to_string(in_features_) + "] needs " + std::to_string(out_features_ * in_features_));
  if (!bias_.empty() && bias_.size() != out_features_)
    throw Error("Linear: bias has " + std::to_string(bias_.size()) + " values, but out_features is " +
                std::to_string(out_features_));
  require_finite(weight_, "Linear weight");
  require_finite(bias_, "Linear bias");
}

std::vector<float> Linear::forward(Span<const float> x, std::ptrdiff_t batch) const {
  std::vector<float> y(batch > 0 ? static_cast<std::size_t>(batch) * out_features_ : 0);
  forward_into(x, batch, y);  // checks the input
  return y;
}

void Linear::forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const {
  check_forward_input(x, batch, in_features_, "Linear");
  check_forward_output(y, batch, out_features_, "Linear");
  kernels::linear_f32_simd(x.data(), static_cast<std::size_t>(batch), weight_.data(),
                           has_bias() ? bias_.data() : nullptr, in_features_, out_features_, y.data());
}

}  // namespace qlinear
