#pragma once
// Row-major tensor shapes and the view of a tensor along one "channel" axis that per-channel
// quantization needs: [outer, channels, inner], so element i belongs to channel
// (i / inner) % channels.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qlinear {

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);

// Number of elements of `shape`; throws if a dimension is negative or the product overflows.
std::size_t element_count(const Shape& shape);

// Throws unless `shape` describes exactly `size` elements. An empty shape means a 1-D tensor.
Shape checked_shape(const Shape& shape, std::size_t size);

struct ChannelLayout {
  std::size_t outer = 1;
  std::size_t channels = 1;
  std::size_t inner = 1;
  int axis = -1;  // normalised (non-negative) channel axis, or -1 for "whole tensor"
};

// Whole tensor as one channel (per-tensor quantization).
ChannelLayout per_tensor_layout(std::size_t size);

// Channels along `axis` (negative counts from the end, as in PyTorch). Throws if out of range.
ChannelLayout per_channel_layout(const Shape& shape, int axis);

}  // namespace qlinear
