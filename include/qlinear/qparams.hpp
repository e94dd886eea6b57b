#pragma once
// Quantization parameters and the PyTorch rules that produce them.
//
// compute_qparams() is the single place where (min, max) per channel becomes (scale,
// zero_point); it follows torch.ao.quantization.ObserverBase._calculate_qparams (PyTorch 1.13)
// step for step, in float32, so the scale bits match PyTorch's.
#include <cstdint>
#include <string>
#include <vector>

#include "qlinear/names.hpp"
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

template <>
struct EnumNames<QuantDtype> {
  static constexpr const char* type = "QuantDtype";
  static constexpr const char* noun = "dtype";
  static constexpr NamedValue<QuantDtype> values[] = {
      {QuantDtype::qint8, "qint8", "signed 8-bit integers, [-128, 127]"},
      {QuantDtype::quint8, "quint8", "unsigned 8-bit integers, [0, 255]"},
  };
  static constexpr NameAlias<QuantDtype> aliases[] = {{"int8", QuantDtype::qint8}, {"uint8", QuantDtype::quint8}};
};

template <>
struct EnumNames<QScheme> {
  static constexpr const char* type = "QScheme";
  static constexpr const char* noun = "qscheme";
  static constexpr NamedValue<QScheme> values[] = {
      {QScheme::per_tensor_affine, "per_tensor_affine", "one scale and zero point for the tensor"},
      {QScheme::per_tensor_symmetric, "per_tensor_symmetric", "one scale for the tensor, zero point 0 (128 for quint8)"},
      {QScheme::per_channel_affine, "per_channel_affine", "a scale and zero point per channel"},
      {QScheme::per_channel_symmetric, "per_channel_symmetric", "a scale per channel, zero point 0 (128 for quint8)"},
  };
};

template <>
struct EnumNames<RangeVariant> {
  static constexpr const char* type = "RangeVariant";
  static constexpr const char* noun = "range variant";
  static constexpr NamedValue<RangeVariant> values[] = {
      {RangeVariant::full, "full", "the dtype's whole range (PyTorch's default)"},
      {RangeVariant::restricted, "restricted", "[-127, 127], scale = absmax / 127 (most int8 weight formats)"},
  };
};

inline std::string to_string(QuantDtype dtype) { return name_of(dtype); }
inline std::string to_string(QScheme scheme) { return name_of(scheme); }
inline std::string to_string(RangeVariant range) { return name_of(range); }
inline QuantDtype parse_dtype(const std::string& name) { return parse_name<QuantDtype>(name); }
inline QScheme parse_qscheme(const std::string& name) { return parse_name<QScheme>(name); }
inline RangeVariant parse_range_variant(const std::string& name) { return parse_name<RangeVariant>(name); }

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

// torch.quantize_per_tensor(x, scale, zero_point, dtype) (axis -1, one scale) and
// torch.quantize_per_channel(x, scales, zero_points, axis, dtype)'s qparams: the numbers given, an
// affine scheme, and the dtype's whole range, which PyTorch clamps to. Throws on lengths that
// differ, a scale that is not finite and > 0, or a zero point the dtype cannot hold.
QParams given_qparams(QuantDtype dtype, std::vector<float> scale, std::vector<int32_t> zero_point, int axis);

// Options shared by the tutorial-style entry points and the observers.
struct QuantOptions {
  bool per_channel = false;
  int axis = 0;  // channel axis when per_channel (weights [out, in]: 0 = per output channel)
  QuantDtype dtype = QuantDtype::qint8;
  bool reduce_range = false;
  RangeVariant range = RangeVariant::full;
};

template <>
struct OptionFields<QuantOptions> {
  static constexpr const char* group = "QParamsOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    field("perChannel", &QuantOptions::per_channel);
    field("axis", &QuantOptions::axis);
    field("dtype", &QuantOptions::dtype);
    field("reduceRange", &QuantOptions::reduce_range);
    field("range", &QuantOptions::range);
  }
};

// (scale, zero_point) for one channel's running min and max, PyTorch's formula.
struct ChannelQParams {
  float scale;
  int32_t zero_point;
};
ChannelQParams compute_channel_qparams(float min_val, float max_val, QScheme scheme,
                                       QuantDtype dtype, IntRange range, RangeVariant variant);

}  // namespace qlinear
