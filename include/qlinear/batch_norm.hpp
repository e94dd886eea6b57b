#pragma once
// BatchNorm1d in eval mode folded into the Linear beside it, as torch.ao.quantization.fuse_modules
// does before quantizing: one Linear computes what the pair did, so the BatchNorm costs nothing at
// inference and the folded weight is what gets quantized.
#include <vector>

#include "qlinear/linear.hpp"

namespace qlinear {

// An nn.BatchNorm1d's state_dict in eval mode: y = (x − running_mean) / sqrt(running_var + eps) ·
// weight + bias. weight and bias are empty for BatchNorm1d(affine=False). eps is a constructor
// argument PyTorch does not save; its default is 1e-5.
struct BatchNorm1d {
  std::vector<float> weight;
  std::vector<float> bias;
  std::vector<float> running_mean;
  std::vector<float> running_var;
  float eps = 1e-5f;

  std::size_t features() const { return running_mean.size(); }
};

// bn(linear(x)) as one Linear (PyTorch's fuse_linear_bn_eval): W' = W · s per output row,
// b' = (b − mean) · s + beta, with s = gamma / sqrt(var + eps). Throws when the BatchNorm's size
// is not the Linear's out_features, its vectors disagree in length, or a variance is negative.
Linear fold_batch_norm_after(const Linear& linear, const BatchNorm1d& bn);

// linear(bn(x)) as one Linear (a BatchNorm before a Linear, with no activation between):
// W' = W · s per input column, b' = b + W · (beta − mean · s). Throws when the BatchNorm's size is
// not the Linear's in_features, and as above.
Linear fold_batch_norm_before(const BatchNorm1d& bn, const Linear& linear);

}  // namespace qlinear
