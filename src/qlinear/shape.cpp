#include "qlinear/shape.hpp"

#include <limits>

#include "qlinear/error.hpp"

namespace qlinear {

std::string to_string(const Shape& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::size_t element_count(const Shape& shape) {
  std::size_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) throw Error("shape " + to_string(shape) + " has a negative dimension");
    // size_t is 32 bits in wasm: a dimension must fit it before it is multiplied.
    if (static_cast<uint64_t>(dim) > std::numeric_limits<std::size_t>::max())
      throw Error("shape " + to_string(shape) + " has too many elements");
    const auto d = static_cast<std::size_t>(dim);
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d)
      throw Error("shape " + to_string(shape) + " has too many elements");
    count *= d;
  }
  return count;
}

Shape checked_shape(const Shape& shape, std::size_t size) {
  if (shape.empty()) return Shape{static_cast<int64_t>(size)};
  const std::size_t count = element_count(shape);
  if (count != size)
    throw Error("shape " + to_string(shape) + " has " + std::to_string(count) + " elements but " +
                std::to_string(size) + " values were given");
  return shape;
}

ChannelLayout per_tensor_layout(std::size_t size) {
  ChannelLayout layout;
  layout.inner = size;
  return layout;
}

ChannelLayout per_channel_layout(const Shape& shape, int axis) {
  const int rank = static_cast<int>(shape.size());
  if (axis < -rank || axis >= rank)
    throw Error("axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                std::to_string(rank) + " (shape " + to_string(shape) + ")");
  const int a = axis < 0 ? axis + rank : axis;
  ChannelLayout layout;
  layout.axis = a;
  for (int i = 0; i < rank; ++i) {
    const auto d = static_cast<std::size_t>(shape[i]);
    if (i < a) layout.outer *= d;
    else if (i == a) layout.channels = d;
    else layout.inner *= d;
  }
  return layout;
}

}  // namespace qlinear
