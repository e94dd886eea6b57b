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
    : weight_(std::move(weight)), bias_(std::move(bias)), mode_(mode), activations_(activations) {
  if (weight_.shape.size() != 2 || weight_.shape[0] <= 0 || weight_.shape[1] <= 0)
    throw Error("QuantLinear: weight must be a non-empty [out_features, in_features] matrix, got shape " +
                to_string(weight_.shape));
  out_features_ = static_cast<std::size_t>(weight_.shape[0]);
  in_features_ = static_cast<std::size_t>(weight_.shape[1]);
  validate(weight_.qparams, weight_.shape);
  if (weight_.size() != out_features_ * in_features_)
    throw Error("QuantLinear: weight holds " + std::to_string(weight_.size()) + " values for shape " +
                to_string(weight_.shape));
  if (is_per_channel(weight_.qparams.scheme) && weight_.qparams.axis != 0)
    throw Error("QuantLinear: per-channel weights must be quantized along axis 0 (output channels), got axis " +
                std::to_string(weight_.qparams.axis));
  if (!bias_.empty() && bias_.size() != out_features_)
    throw Error("QuantLinear: bias has " + std::to_string(bias_.size()) + " values, but out_features is " +
                std::to_string(out_features_));
  require_finite(bias_, "QuantLinear bias");
  check_int32_accumulation_fits(mode_, in_features_);
}

void QuantLinear::set_mode(ForwardMode mode) {
  check_int32_accumulation_fits(mode, in_features_);
  mode_ = mode;
}

std::size_t QuantLinear::parameter_bytes() const {
  const std::size_t channels = weight_.qparams.channel_count();
  return weight_.size() + channels * (sizeof(float) + sizeof(int32_t)) + bias_.size() * sizeof(float);
}

std::vector<float> QuantLinear::forward(Span<const float> x, std::ptrdiff_t batch) const {
  check_forward_input(x, batch, in_features_, "QuantLinear");
  const auto rows = static_cast<std::size_t>(batch);
  std::vector<float> y(rows * out_features_);
  const QParams& qp = weight_.qparams;
  const kernels::QuantizedWeightsView w{weight_.storage.data(), qp.dtype == QuantDtype::quint8,
                                        qp.scale.data(),        qp.zero_point.data(),
                                        is_per_channel(qp.scheme), out_features_,
                                        in_features_};
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  if (mode_ == ForwardMode::weight_only) {
    kernels::linear_w8a32(x.data(), rows, w, bias, y.data());
    return y;
  }
  std::vector<uint8_t> xq(rows * in_features_);
  std::vector<float> x_scale(rows);
  std::vector<int32_t> x_zero_point(rows);
  if (activations_ == ActivationScheme::per_row)
    kernels::quantize_rows_u8(x.data(), rows, in_features_, xq.data(), x_scale.data(), x_zero_point.data());
  else
    kernels::quantize_tensor_u8_like_pytorch_dynamic(x.data(), rows, in_features_, xq.data(), x_scale.data(),
                                                     x_zero_point.data());
  kernels::linear_w8a8({xq.data(), x_scale.data(), x_zero_point.data(), rows, in_features_}, w, bias, y.data());
  return y;
}

}  // namespace qlinear
