#pragma once
// Quantization parameters and the PyTorch rules that produce them.
//
// compute_qparams() is the single place where (min, max) per channel becomes (scale,
// zero_point); it follows torch.ao.quantization.ObserverBase._calculate_qparams (PyTorch 1.13)
// step for step, in float32, so the scale bits match PyTorch's.
#include <cstdint>
#include <string>
#include <vector>

#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

enum class QuantDtype { qint8, quint8 };

enum class QScheme {
  per_tensor_affine,
  per_tensor_symmetric,
  per_channel_affine,
  per_channel_symmetric,
};

// `full` is the dtype's whole range ([-128, 127] / [0, 255]). `restricted` is the symmetric
// int8 range [-127, 127] most int8 weight formats use (scale = absmax / 127); it is PyTorch's
// observer with quant_min=-127, quant_max=127, and like PyTorch it needs a range containing 0,
// so it exists for qint8 only.
enum class RangeVariant { full, restricted };

std::string to_string(QuantDtype dtype);
std::string to_string(QScheme scheme);
std::string to_string(RangeVariant range);
QuantDtype parse_dtype(const std::string& name);
QScheme parse_qscheme(const std::string& name);
RangeVariant parse_range_variant(const std::string& name);

bool is_symmetric(QScheme scheme);
bool is_per_channel(QScheme scheme);
QScheme make_qscheme(bool symmetric, bool per_channel);

// The integer range the dtype can store, whatever range the scale was computed for.
struct IntRange {
  int32_t min;
  int32_t max;
};
IntRange storage_range(QuantDtype dtype);

// The range PyTorch's observer uses for the scale: the dtype range, halved by reduce_range,
// or the restricted variant. Throws for combinations PyTorch refuses.
IntRange observer_range(QuantDtype dtype, QScheme scheme, bool reduce_range, RangeVariant range);

// torch.finfo(torch.float32).eps: the floor PyTorch puts under every scale.
constexpr float kScaleEps = 1.1920928955078125e-07f;

struct QParams {
  std::vector<float> scale;         // one per channel; one element for per-tensor
  std::vector<int32_t> zero_point;  // same length as scale
  int32_t qmin = -128;              // range the scale was computed for (observer range)
  int32_t qmax = 127;
  QuantDtype dtype = QuantDtype::qint8;
  QScheme scheme = QScheme::per_tensor_affine;
  int axis = -1;  // channel axis for per-channel schemes, -1 for per-tensor

  std::size_t channel_count() const { return scale.size(); }
};

// Throws unless `qparams` is usable on a tensor of `shape`: one positive finite scale per
// channel, zero points storable in the dtype, axis inside the shape.
void validate(const QParams& qparams, const Shape& shape);

// Options shared by the tutorial-style entry points and the observers.
struct QuantOptions {
  bool per_channel = false;
  int axis = 0;  // channel axis when per_channel (weights [out, in]: 0 = per output channel)
  QuantDtype dtype = QuantDtype::qint8;
  bool reduce_range = false;
  RangeVariant range = RangeVariant::full;
};

// (scale, zero_point) for one channel's running min and max, PyTorch's formula.
struct ChannelQParams {
  float scale;
  int32_t zero_point;
};
ChannelQParams compute_channel_qparams(float min_val, float max_val, QScheme scheme,
                                       QuantDtype dtype, IntRange range, RangeVariant variant);

// The tutorial's names (seed 000's quant_tool): observe `values` once and return the qparams.
// `shape` may be empty for a 1-D tensor. Throws on empty input, NaN/Inf, or a bad shape/axis.
QParams get_symmetric_qparams(Span<const float> values, const Shape& shape = {},
                              const QuantOptions& options = {});
QParams get_asymmetric_qparams(Span<const float> values, const Shape& shape = {},
                               const QuantOptions& options = {});

}  // namespace qlinear
