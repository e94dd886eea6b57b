#include "qlinear/quantize.hpp"

#include <algorithm>
#include <cmath>

#include "qlinear/error.hpp"
#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

namespace {

ChannelLayout layout_for(const QParams& qparams, const Shape& shape) {
  return is_per_channel(qparams.scheme) ? per_channel_layout(shape, qparams.axis)
                                        : per_tensor_layout(element_count(shape));
}

// Calls fn(flat_index, channel) over a tensor laid out as [outer, channels, inner].
template <typename Fn>
void for_each_by_channel(const ChannelLayout& layout, Fn&& fn) {
  std::size_t i = 0;
  for (std::size_t o = 0; o < layout.outer; ++o)
    for (std::size_t c = 0; c < layout.channels; ++c)
      for (std::size_t k = 0; k < layout.inner; ++k, ++i) fn(i, c);
}

Shape checked_input(Span<const float> values, const QParams& qparams, const Shape& shape) {
  if (values.empty()) throw Error("empty tensor: there is nothing to quantize");
  Shape full = checked_shape(shape, values.size());
  validate(qparams, full);
  require_finite(values, "input");
  return full;
}

}  // namespace

std::vector<int32_t> QuantizedTensor::int_values() const {
  std::vector<int32_t> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = value(i);
  return out;
}

QuantizedTensor quantize_tensor(Span<const float> values, const QParams& qparams, const Shape& shape) {
  QuantizedTensor out;
  out.shape = checked_input(values, qparams, shape);
  out.qparams = qparams;
  out.storage.resize(values.size());
  const IntRange storage = storage_range(qparams.dtype);
  const ChannelLayout layout = layout_for(qparams, out.shape);
  std::size_t offset = 0;
  for (std::size_t o = 0; o < layout.outer; ++o) {
    for (std::size_t c = 0; c < layout.channels; ++c, offset += layout.inner) {
      // int8 values keep their two's-complement bits in the byte storage.
      kernels::quantize(values.data() + offset, layout.inner, 1.0f / qparams.scale[c], qparams.zero_point[c],
                        storage.min, storage.max, out.storage.data() + offset);
    }
  }
  return out;
}

std::vector<float> dequantize_tensor(const QuantizedTensor& tensor) {
  validate(tensor.qparams, tensor.shape);
  if (element_count(tensor.shape) != tensor.size())
    throw Error("quantized tensor of shape " + to_string(tensor.shape) + " holds " +
                std::to_string(tensor.size()) + " values");
  std::vector<float> out(tensor.size());
  const QParams& qp = tensor.qparams;
  for_each_by_channel(layout_for(qp, tensor.shape), [&](std::size_t i, std::size_t c) {
    // q - zero_point is an exact small integer, so this is one rounding, as in PyTorch.
    out[i] = static_cast<float>(tensor.value(i) - qp.zero_point[c]) * qp.scale[c];
  });
  return out;
}

std::vector<float> fake_quantize_tensor(Span<const float> values, const QParams& qparams, const Shape& shape) {
  const Shape full = checked_input(values, qparams, shape);
  // Quantize clamped to the observer's [qmin, qmax] (not the dtype), then dequantize.
  QuantizedTensor q;
  q.shape = full;
  q.qparams = qparams;
  q.storage.resize(values.size());
  const ChannelLayout layout = layout_for(qparams, full);
  std::size_t offset = 0;
  for (std::size_t o = 0; o < layout.outer; ++o)
    for (std::size_t c = 0; c < layout.channels; ++c, offset += layout.inner)
      kernels::quantize(values.data() + offset, layout.inner, 1.0f / qparams.scale[c], qparams.zero_point[c],
                        qparams.qmin, qparams.qmax, q.storage.data() + offset);
  return dequantize_tensor(q);
}

QuantizedTensor make_quantized_tensor(Span<const int32_t> values, const QParams& qparams, const Shape& shape) {
  if (values.empty()) throw Error("empty tensor: there are no quantized values");
  QuantizedTensor out;
  out.shape = checked_shape(shape, values.size());
  validate(qparams, out.shape);
  out.qparams = qparams;
  const IntRange storage = storage_range(qparams.dtype);
  out.storage.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < storage.min || values[i] > storage.max)
      throw Error("quantized value " + std::to_string(values[i]) + " at index " + std::to_string(i) +
                  " does not fit " + to_string(qparams.dtype));
    out.storage[i] = static_cast<uint8_t>(values[i]);
  }
  return out;
}

}  // namespace qlinear
