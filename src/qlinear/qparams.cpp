#include "qlinear/qparams.hpp"

#include <algorithm>
#include <cmath>

#include "qlinear/error.hpp"

namespace qlinear {

bool is_symmetric(QScheme scheme) {
  return scheme == QScheme::per_tensor_symmetric || scheme == QScheme::per_channel_symmetric;
}

bool is_per_channel(QScheme scheme) {
  return scheme == QScheme::per_channel_affine || scheme == QScheme::per_channel_symmetric;
}

QScheme make_qscheme(bool symmetric, bool per_channel) {
  if (per_channel) return symmetric ? QScheme::per_channel_symmetric : QScheme::per_channel_affine;
  return symmetric ? QScheme::per_tensor_symmetric : QScheme::per_tensor_affine;
}

IntRange storage_range(QuantDtype dtype) {
  return dtype == QuantDtype::qint8 ? IntRange{-128, 127} : IntRange{0, 255};
}

namespace {
// Python's floor division, which PyTorch uses to halve a customised range.
int32_t floor_div2(int32_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }
}  // namespace

IntRange observer_range(QuantDtype dtype, QScheme scheme, bool reduce_range, RangeVariant range) {
  if (dtype == QuantDtype::quint8 && is_symmetric(scheme) && reduce_range)
    throw Error("Cannot reduce range for symmetric quantization for quint8 (PyTorch refuses it too)");
  if (range == RangeVariant::restricted) {
    if (dtype != QuantDtype::qint8)
      throw Error("the restricted range [-127, 127] exists for qint8 only; use range 'full' with quint8");
    // PyTorch: a customised range is halved with floor division -> [-64, 63].
    if (reduce_range) return {floor_div2(-127), floor_div2(127)};
    return {-127, 127};
  }
  if (dtype == QuantDtype::qint8) return reduce_range ? IntRange{-64, 63} : IntRange{-128, 127};
  return reduce_range ? IntRange{0, 127} : IntRange{0, 255};
}

namespace {
// Every integer the dtype can hold must dequantize to a finite float: with values near the
// float32 limit, (q − zero_point) · scale can otherwise overflow to ±Inf.
void require_finite_dequantization(float scale, int32_t zero_point, QuantDtype dtype) {
  const IntRange storage = storage_range(dtype);
  const auto widest = static_cast<float>(std::max(storage.max - zero_point, zero_point - storage.min));
  if (!std::isfinite(scale * widest))
    throw Error("scale " + std::to_string(scale) + " is too large: integers of " + to_string(dtype) +
                " would dequantize past the float32 limit (values near ±3.4e38 cannot be quantized)");
}
}  // namespace

QParams given_qparams(QuantDtype dtype, std::vector<float> scale, std::vector<int32_t> zero_point, int axis) {
  if (axis < -1) throw Error("axis must be >= 0 for per-channel qparams, or -1 for per-tensor, got " + std::to_string(axis));
  QParams qp;
  qp.dtype = dtype;
  const IntRange storage = storage_range(dtype);
  qp.qmin = storage.min;
  qp.qmax = storage.max;
  qp.scheme = axis < 0 ? QScheme::per_tensor_affine : QScheme::per_channel_affine;
  qp.axis = axis;
  const std::size_t channels = scale.size();
  qp.scale = std::move(scale);
  qp.zero_point = std::move(zero_point);
  // The checks that do not need the tensor: on a shape whose channel axis has one entry per scale.
  Shape shape(static_cast<std::size_t>(std::max(axis, 0)) + 1, 1);
  if (axis >= 0) shape[static_cast<std::size_t>(axis)] = static_cast<int64_t>(std::max<std::size_t>(channels, 1));
  validate(qp, shape);
  return qp;
}

void validate(const QParams& qparams, const Shape& shape) {
  const std::size_t channels = qparams.scale.size();
  if (channels == 0) throw Error("qparams have no scale");
  if (qparams.zero_point.size() != channels)
    throw Error("qparams have " + std::to_string(channels) + " scales but " +
                std::to_string(qparams.zero_point.size()) + " zero points");
  const IntRange storage = storage_range(qparams.dtype);
  if (qparams.qmin > qparams.qmax || qparams.qmin < storage.min || qparams.qmax > storage.max)
    throw Error("qparams range [" + std::to_string(qparams.qmin) + ", " + std::to_string(qparams.qmax) +
                "] is not a range inside " + to_string(qparams.dtype) + " [" + std::to_string(storage.min) + ", " +
                std::to_string(storage.max) + "]");
  for (std::size_t c = 0; c < channels; ++c) {
    const float s = qparams.scale[c];
    if (!(std::isfinite(s) && s > 0.0f && std::isfinite(1.0f / s)))
      throw Error("scale " + std::to_string(s) + " of channel " + std::to_string(c) +
                  " must be positive, finite and have a finite reciprocal");
    const int32_t z = qparams.zero_point[c];
    if (z < qparams.qmin || z > qparams.qmax)
      throw Error("zero point " + std::to_string(z) + " of channel " + std::to_string(c) + " lies outside [" +
                  std::to_string(qparams.qmin) + ", " + std::to_string(qparams.qmax) + "] (" +
                  to_string(qparams.dtype) + ")");
    require_finite_dequantization(s, z, qparams.dtype);
  }
  if (is_per_channel(qparams.scheme)) {
    const ChannelLayout layout = per_channel_layout(shape, qparams.axis);
    if (layout.channels != channels)
      throw Error("qparams have " + std::to_string(channels) + " channels but axis " +
                  std::to_string(qparams.axis) + " of shape " + to_string(shape) + " has " +
                  std::to_string(layout.channels));
  } else if (channels != 1) {
    throw Error("per-tensor qparams must have exactly one scale, got " + std::to_string(channels));
  }
}

ChannelQParams compute_channel_qparams(float min_val, float max_val, QScheme scheme,
                                       QuantDtype dtype, IntRange range, RangeVariant variant) {
  // PyTorch: the range always contains 0.
  const float min_neg = std::min(min_val, 0.0f);
  const float max_pos = std::max(max_val, 0.0f);
  ChannelQParams out{1.0f, 0};
  if (is_symmetric(scheme)) {
    const float absmax = std::max(-min_neg, max_pos);
    // (qmax - qmin) / 2 is 127.5 for qint8: PyTorch divides by it (a true float32 division,
    // not a multiply by its reciprocal; the fixtures tell the two apart).
    const float denominator = static_cast<float>(range.max - range.min) / 2.0f;
    out.scale = std::max(absmax / denominator, kScaleEps);
    if (!std::isfinite(out.scale)) throw Error("values span more than a float32 scale can represent");
    if (dtype == QuantDtype::quint8)
      // A customised range would use its floored midpoint; quint8 has no restricted variant.
      out.zero_point = variant == RangeVariant::full ? 128 : (range.min + range.max) / 2;
  } else {
    out.scale = std::max((max_pos - min_neg) / static_cast<float>(range.max - range.min), kScaleEps);
    // max - min overflows float32 for finite inputs near ±3.4e38.
    if (!std::isfinite(out.scale))
      throw Error("the range [" + std::to_string(min_val) + ", " + std::to_string(max_val) +
                  "] is wider than a float32 scale can represent");
    // torch.round is round-half-to-even: nearbyint under the default rounding mode.
    const float shifted = std::nearbyint(min_neg / out.scale);
    const float zp = static_cast<float>(range.min) - shifted;
    out.zero_point = static_cast<int32_t>(
        std::min(std::max(zp, static_cast<float>(range.min)), static_cast<float>(range.max)));
  }
  require_finite_dequantization(out.scale, out.zero_point, dtype);
  return out;
}

}  // namespace qlinear
