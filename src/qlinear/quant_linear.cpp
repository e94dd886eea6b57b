#include "qlinear/quant_linear.hpp"

#include "qlinear/error.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

std::string to_string(ForwardMode mode) { return mode == ForwardMode::weight_only ? "weight-only" : "dynamic"; }

ForwardMode parse_forward_mode(const std::string& name) {
  if (name == "weight_only" || name == "weight-only" || name == "w8a32") return ForwardMode::weight_only;
  if (name == "dynamic" || name == "w8a8") return ForwardMode::dynamic;
  throw Error("unknown forward mode '" + name + "': expected 'weight-only' or 'dynamic'");
}

std::string to_string(ActivationScheme scheme) { return scheme == ActivationScheme::per_row ? "per-row" : "pytorch"; }

ActivationScheme parse_activation_scheme(const std::string& name) {
  if (name == "per-row" || name == "per_row") return ActivationScheme::per_row;
  if (name == "pytorch") return ActivationScheme::pytorch;
  throw Error("unknown activation scheme '" + name + "': expected 'per-row' or 'pytorch'");
}

namespace {
void check_int32_accumulation_fits(ForwardMode mode, std::size_t in_features) {
  if (mode == ForwardMode::dynamic && in_features > kernels::kMaxW8A8InFeatures)
    throw Error("dynamic (W8A8) mode supports at most " + std::to_string(kernels::kMaxW8A8InFeatures) +
                " input features (int32 accumulation), this layer has " + std::to_string(in_features));
}
}  // namespace

QuantLinear QuantLinear::from_linear(const Linear& linear, const QuantLinearOptions& options) {
  check_int32_accumulation_fits(options.mode, linear.in_features());
  QuantOptions q;
  q.per_channel = options.per_channel;
  q.axis = 0;
  q.dtype = options.dtype;
  q.reduce_range = options.reduce_range;
  q.range = options.range;
  const Shape shape{static_cast<int64_t>(linear.out_features()), static_cast<int64_t>(linear.in_features())};
  const QParams qparams = options.symmetric ? get_symmetric_qparams(linear.weight(), shape, q)
                                            : get_asymmetric_qparams(linear.weight(), shape, q);
  return QuantLinear(quantize_tensor(linear.weight(), qparams, shape), linear.bias(), options.mode, options.activations);
}

QuantLinear::QuantLinear(QuantizedTensor weight, std::vector<float> bias, ForwardMode mode,
                         ActivationScheme activations)
    : qparams_(weight.qparams), bias_(std::move(bias)), mode_(mode), activations_(activations) {
  if (weight.shape.size() != 2 || weight.shape[0] <= 0 || weight.shape[1] <= 0)
    throw Error("QuantLinear: weight must be a non-empty [out_features, in_features] matrix, got shape " +
                to_string(weight.shape));
  out_features_ = static_cast<std::size_t>(weight.shape[0]);
  in_features_ = static_cast<std::size_t>(weight.shape[1]);
  validate(qparams_, weight.shape);
  if (weight.size() != out_features_ * in_features_)
    throw Error("QuantLinear: weight holds " + std::to_string(weight.size()) + " values for shape " +
                to_string(weight.shape));
  if (is_per_channel(qparams_.scheme) && qparams_.axis != 0)
    throw Error("QuantLinear: per-channel weights must be quantized along axis 0 (output channels), got axis " +
                std::to_string(qparams_.axis));
  if (!bias_.empty() && bias_.size() != out_features_)
    throw Error("QuantLinear: bias has " + std::to_string(bias_.size()) + " values, but out_features is " +
                std::to_string(out_features_));
  require_finite(bias_, "QuantLinear bias");
  check_int32_accumulation_fits(mode_, in_features_);
  packed_ = kernels::pack_weights({weight.storage.data(), qparams_.dtype == QuantDtype::quint8, qparams_.scale.data(),
                                   qparams_.zero_point.data(), is_per_channel(qparams_.scheme), out_features_,
                                   in_features_});
}

QuantizedTensor QuantLinear::weight() const {
  QuantizedTensor t;
  t.shape = {static_cast<int64_t>(out_features_), static_cast<int64_t>(in_features_)};
  t.qparams = qparams_;
  t.storage = kernels::unpack_weights(packed_);
  return t;
}

std::size_t QuantLinear::memory_bytes() const {
  return packed_.bytes() + (qparams_.scale.size() + qparams_.zero_point.size() + bias_.size()) * 4;
}

void QuantLinear::set_mode(ForwardMode mode) {
  check_int32_accumulation_fits(mode, in_features_);
  mode_ = mode;
}

std::size_t QuantLinear::parameter_bytes() const {
  const std::size_t channels = qparams_.channel_count();
  return out_features_ * in_features_ + channels * (sizeof(float) + sizeof(int32_t)) + bias_.size() * sizeof(float);
}

std::vector<float> QuantLinear::forward(Span<const float> x, std::ptrdiff_t batch) const {
  check_forward_input(x, batch, in_features_, "QuantLinear");
  const auto rows = static_cast<std::size_t>(batch);
  const std::size_t stride = packed_.stride;
  std::vector<float> y(rows * out_features_);
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  if (mode_ == ForwardMode::weight_only) {
    // The kernels read whole 16-lane vectors: rows padded with zeros unless already a multiple.
    if (stride == in_features_) {
      kernels::linear_w8a32_packed(x.data(), stride, rows, packed_, bias, y.data());
    } else {
      std::vector<float> padded(rows * stride, 0.0f);
      for (std::size_t b = 0; b < rows; ++b)
        std::copy(x.data() + b * in_features_, x.data() + (b + 1) * in_features_, padded.data() + b * stride);
      kernels::linear_w8a32_packed(padded.data(), stride, rows, packed_, bias, y.data());
    }
    return y;
  }
  std::vector<uint8_t> xq(rows * stride, 0);
  std::vector<float> x_scale(rows);
  std::vector<int32_t> x_zero_point(rows);
  if (activations_ == ActivationScheme::per_row)
    kernels::quantize_rows_u8(x.data(), rows, in_features_, xq.data(), stride, x_scale.data(), x_zero_point.data());
  else
    kernels::quantize_tensor_u8_like_pytorch_dynamic(x.data(), rows, in_features_, xq.data(), stride, x_scale.data(),
                                                     x_zero_point.data());
  kernels::linear_w8a8_packed({xq.data(), x_scale.data(), x_zero_point.data(), rows, in_features_, stride}, packed_,
                              bias, y.data());
  return y;
}

}  // namespace qlinear
