#pragma once
// quantize / dequantize / fake-quantize with given qparams, as torch.quantize_per_tensor,
// torch.quantize_per_channel, Tensor.dequantize and torch.fake_quantize_per_*_affine do:
//   q  = clamp(zero_point + round_half_even(x * (1.0f / scale)), dtype range)
//   x' = (q - zero_point) * scale                          (one float32 rounding)
//   fq = (clamp(zero_point + round_half_even(x * (1.0f / scale)), qmin, qmax) - zero_point) * scale
// Note the two clamps: quantize stores into the dtype, so with reduce_range a value may land
// outside [qmin, qmax] exactly as in PyTorch; fake-quantize clamps to the observer's range.
#include <cstdint>
#include <vector>

#include "qlinear/qparams.hpp"
#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

struct QuantizedTensor {
  Shape shape;
  QParams qparams;
  // qint8 values stored as int8 bit patterns, quint8 as uint8: one byte per element.
  std::vector<uint8_t> storage;

  std::size_t size() const { return storage.size(); }
  // The integer value of element i (int8 or uint8 per qparams.dtype).
  int32_t value(std::size_t i) const {
    return qparams.dtype == QuantDtype::qint8 ? static_cast<int32_t>(static_cast<int8_t>(storage[i]))
                                              : static_cast<int32_t>(storage[i]);
  }
  std::vector<int32_t> int_values() const;
};

// Throws on empty input, NaN/Inf, a shape that does not hold the values, or qparams that do
// not fit the shape (see validate()).
QuantizedTensor quantize_tensor(Span<const float> values, const QParams& qparams, const Shape& shape = {});

std::vector<float> dequantize_tensor(const QuantizedTensor& tensor);

std::vector<float> fake_quantize_tensor(Span<const float> values, const QParams& qparams,
                                        const Shape& shape = {});

// Wraps integer values that came from elsewhere (a file, JavaScript) as a quantized tensor;
// throws if a value does not fit the dtype or the qparams do not fit the shape.
QuantizedTensor make_quantized_tensor(Span<const int32_t> values, const QParams& qparams, const Shape& shape = {});

}  // namespace qlinear
