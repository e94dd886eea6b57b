#pragma once
// An fp32 linear layer, y = x · Wᵀ + b, with PyTorch's weight layout [out_features, in_features].
#include <cstddef>
#include <vector>

#include "qlinear/span.hpp"

namespace qlinear {

class Linear {
 public:
  // Throws on non-positive sizes, a weight or bias of the wrong length, or NaN/Inf in either.
  // An empty bias means "no bias" (nn.Linear(bias=False)).
  Linear(std::ptrdiff_t in_features, std::ptrdiff_t out_features, std::vector<float> weight,
         std::vector<float> bias = {});

  // x is row-major [batch, in_features]; returns [batch, out_features].
  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch) const;
  // The same into y, which must hold exactly batch × out_features values and not overlap x.
  void forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const;

  // Heap bytes a forward of `batch` rows allocates besides its input and output: none.
  std::size_t forward_bytes(std::ptrdiff_t /*batch*/) const { return 0; }

  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }
  const std::vector<float>& weight() const { return weight_; }
  const std::vector<float>& bias() const { return bias_; }
  bool has_bias() const { return !bias_.empty(); }
  std::size_t parameter_bytes() const { return (weight_.size() + bias_.size()) * sizeof(float); }

 private:
  std::size_t in_features_;
  std::size_t out_features_;
  std::vector<float> weight_;
  std::vector<float> bias_;
};

}  // namespace qlinear
