#include "qlinear/quant_linear.hpp"

#include <cmath>
#include <cstring>

#include "qlinear/error.hpp"
#include "qlinear/observer.hpp"
#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/activation_quantizers.hpp"
#include "qlinear/kernels/scratch.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

namespace {
void check_int32_accumulation_fits(ForwardMode mode, std::size_t in_features) {
  if (mode != ForwardMode::weight_only && in_features > kernels::kMaxW8A8InFeatures)
    throw Error(to_string(mode) + " (W8A8) mode supports at most " + std::to_string(kernels::kMaxW8A8InFeatures) +
                " input features (int32 accumulation), this layer has " + std::to_string(in_features));
}

void check_outlier_threshold(float threshold) {
  if (!kOutlierThresholdRange.contains(threshold))
    throw Error("outlier threshold must be a finite number >= 0 (0 turns outlier columns off), got " +
                std::to_string(threshold));
}

void check_input_qparams(const QParams& q) {
  if (q.dtype != QuantDtype::quint8 || is_per_channel(q.scheme) || q.scale.size() != 1)
    throw Error("static mode's input qparams must be one per-tensor quint8 scale and zero point (got " +
                to_string(q.dtype) + " " + to_string(q.scheme) + " with " + std::to_string(q.scale.size()) +
                " scales)");
  validate(q, Shape{1});
}
}  // namespace

QuantLinear QuantLinear::from_linear(const Linear& linear, const QuantLinearOptions& options,
                                     std::optional<QParams> input_qparams) {
  check_int32_accumulation_fits(options.mode, linear.in_features());
  check_outlier_threshold(options.outlier_threshold);
  if (options.mode == ForwardMode::static_int8 && !input_qparams)
    throw Error("static mode needs the input's calibrated scale and zero point: use prepare(), run calibration "
                "data through it, then convert()");
  if (input_qparams) check_input_qparams(*input_qparams);
  QuantOptions q;
  q.per_channel = options.per_channel;
  q.axis = 0;
  q.dtype = options.dtype;
  q.reduce_range = options.reduce_range;
  q.range = options.range.value_or(default_weight_range(options.mode));
  const Shape shape{static_cast<int64_t>(linear.out_features()), static_cast<int64_t>(linear.in_features())};
  const QParams qparams = options.symmetric ? get_symmetric_qparams(linear.weight(), shape, q)
                                            : get_asymmetric_qparams(linear.weight(), shape, q);
  return QuantLinear(quantize_tensor(linear.weight(), qparams, shape), linear.bias(), options.mode, options.activations,
                     options.outlier_threshold, std::move(input_qparams));
}

QuantLinear::QuantLinear(QuantizedTensor weight, std::vector<float> bias, ForwardMode mode,
                         ActivationScheme activations, float outlier_threshold, std::optional<QParams> input_qparams)
    : qparams_(weight.qparams),
      bias_(std::move(bias)),
      mode_(mode),
      activations_(activations),
      outlier_threshold_(outlier_threshold),
      input_qparams_(std::move(input_qparams)) {
  check_outlier_threshold(outlier_threshold_);
  if (input_qparams_) check_input_qparams(*input_qparams_);
  if (mode_ == ForwardMode::static_int8 && !input_qparams_)
    throw Error("QuantLinear: static mode needs the input's calibrated scale and zero point");
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
  qparams_.scale = {};
  qparams_.zero_point = {};
}

QParams QuantLinear::qparams() const {
  QParams q = qparams_;
  const std::size_t channels = is_per_channel(q.scheme) ? out_features_ : 1;
  const int32_t unshift = packed_.shifted ? 128 : 0;  // packed quint8 zero points are q - 128
  q.scale.assign(packed_.scale.begin(), packed_.scale.begin() + static_cast<std::ptrdiff_t>(channels));
  q.zero_point.resize(channels);
  for (std::size_t c = 0; c < channels; ++c) q.zero_point[c] = packed_.zero_point[c] + unshift;
  return q;
}

QuantizedTensor QuantLinear::weight() const {
  QuantizedTensor t;
  t.shape = {static_cast<int64_t>(out_features_), static_cast<int64_t>(in_features_)};
  t.qparams = qparams();
  t.storage = kernels::unpack_weights(packed_);
  return t;
}

std::size_t QuantLinear::memory_bytes() const {
  return packed_.bytes() + bias_.size() * 4 +
         (input_qparams_ ? 8 : 0);
}

void QuantLinear::set_mode(ForwardMode mode) {
  check_int32_accumulation_fits(mode, in_features_);
  if (mode == ForwardMode::static_int8 && !input_qparams_)
    throw Error("this layer has no calibrated input scale for static mode: make it with prepare() and convert()");
  mode_ = mode;
}

std::optional<std::size_t> QuantLinear::last_outlier_columns() const {
  const std::int64_t v = last_outlier_columns_.value.load(std::memory_order_relaxed);
  if (v == Statistic::kNone) return std::nullopt;
  return static_cast<std::size_t>(v);
}

void QuantLinear::set_outlier_threshold(float threshold) {
  check_outlier_threshold(threshold);
  outlier_threshold_ = threshold;
}

void QuantLinear::set_input_qparams(QParams qparams) {
  check_input_qparams(qparams);
  input_qparams_ = std::move(qparams);
}

std::size_t QuantLinear::parameter_bytes() const {
  const std::size_t channels = is_per_channel(qparams_.scheme) ? out_features_ : 1;
  const std::size_t input_qparams = input_qparams_ ? sizeof(float) + sizeof(int32_t) : 0;
  return out_features_ * in_features_ + channels * (sizeof(float) + sizeof(int32_t)) + bias_.size() * sizeof(float) +
         input_qparams;
}

std::vector<float> QuantLinear::forward(Span<const float> x, std::ptrdiff_t batch) const {
  std::vector<float> y(batch > 0 ? static_cast<std::size_t>(batch) * out_features_ : 0);
  forward_into(x, batch, y);  // checks the input
  return y;
}

void QuantLinear::forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const {
  check_forward_input(x, batch, in_features_, "QuantLinear");
  check_forward_output(y, batch, out_features_, "QuantLinear");
  const auto rows = static_cast<std::size_t>(batch);
  const std::size_t stride = packed_.stride;
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  last_outlier_columns_.set(0);
  if (mode_ == ForwardMode::weight_only) {
    // The kernels read whole 16-lane vectors: rows padded with zeros unless already a multiple.
    if (stride == in_features_) {
      kernels::linear_w8a32_packed(x.data(), stride, rows, packed_, bias, y.data());
    } else {
      float* padded = kernels::zeroed_scratch<float>(kernels::ScratchSlot::padded_input, rows * stride);
      for (std::size_t b = 0; b < rows; ++b)
        std::copy(x.data() + b * in_features_, x.data() + (b + 1) * in_features_, padded + b * stride);
      kernels::linear_w8a32_packed(padded, stride, rows, packed_, bias, y.data());
    }
    return;
  }
  // The W8A8 modes differ only in how the input becomes uint8 rows with a scale and zero point.
  // The quantizers write each row's in_features bytes; the kernels read whole vectors, so the
  // row padding after them is zeroed here (not the whole buffer: that was 3 % of a forward).
  uint8_t* xq = kernels::scratch<uint8_t>(kernels::ScratchSlot::activations_q, rows * stride);
  float* x_scale = kernels::scratch<float>(kernels::ScratchSlot::activations_scale, rows);
  int32_t* x_zero_point = kernels::scratch<int32_t>(kernels::ScratchSlot::activations_zero_point, rows);
  // Scratch, not a local vector (here and for the padded input above): nothing in this function
  // needs destroying, so the threaded wasm build (JS-emulated exceptions) calls the kernels
  // directly instead of each through a JS trampoline (a tenth of a small model's forward).
  std::size_t* outlier_columns =
      mode_ == ForwardMode::llm_int8 ? kernels::scratch<std::size_t>(kernels::ScratchSlot::outlier_columns, in_features_) : nullptr;
  const std::size_t outliers = quantize_input(x.data(), rows, xq, x_scale, x_zero_point, outlier_columns);
  if (stride > in_features_)
    for (std::size_t b = 0; b < rows; ++b) std::memset(xq + b * stride + in_features_, 0, stride - in_features_);
  kernels::linear_w8a8_packed({xq, x_scale, x_zero_point, rows, in_features_, stride}, packed_,
                              bias, y.data());
  if (outliers > 0) add_outlier_product(x.data(), rows, {outlier_columns, outliers}, y.data());
  last_outlier_columns_.set(outliers);
}

// The W8A8 modes differ only in how the input becomes uint8 rows (packed_.stride apart; each
// row's in_features bytes written, its padding left to the caller) with a scale and zero point per row.
std::size_t QuantLinear::quantize_input(const float* x, std::size_t rows, uint8_t* xq, float* x_scale,
                                        int32_t* x_zero_point, std::size_t* outlier_columns) const {
  const std::size_t stride = packed_.stride;
  switch (mode_) {
    case ForwardMode::dynamic:
      if (activations_ == ActivationScheme::per_row)
        kernels::quantize_rows_u8(x, rows, in_features_, xq, stride, x_scale, x_zero_point);
      else
        kernels::quantize_tensor_u8_like_pytorch_dynamic(x, rows, in_features_, xq, stride,
                                                         x_scale, x_zero_point);
      break;
    case ForwardMode::static_int8: {
      // Clamped to what quint8 stores, [0, 255], as torch.quantize_per_tensor does: the
      // observer's [qmin, qmax] (e.g. [0, 127] with reduce_range) only chose the scale.
      const QParams& q = *input_qparams_;
      const IntRange storage = storage_range(QuantDtype::quint8);
      kernels::quantize_rows_static_u8(x, rows, in_features_, q.scale[0], q.zero_point[0], storage.min,
                                       storage.max, xq, stride, x_scale, x_zero_point);
      break;
    }
    case ForwardMode::llm_int8:
      return kernels::quantize_rows_llm_int8(x, rows, in_features_, outlier_threshold_, xq, stride, x_scale,
                                             x_zero_point, outlier_columns);
    case ForwardMode::weight_only:
      break;
  }
  return 0;
}

ActivationQParams QuantLinear::activation_qparams(Span<const float> x, std::ptrdiff_t batch) const {
  check_forward_input(x, batch, in_features_, "QuantLinear");
  if (mode_ == ForwardMode::weight_only)
    throw Error("a weight-only layer does not quantize its input: there are no activation qparams");
  const auto rows = static_cast<std::size_t>(batch);
  std::vector<uint8_t> xq(rows * packed_.stride, 0);
  ActivationQParams q{std::vector<float>(rows), std::vector<int32_t>(rows)};
  std::vector<std::size_t> outlier_columns(in_features_);
  quantize_input(x.data(), rows, xq.data(), q.scale.data(), q.zero_point.data(), outlier_columns.data());
  return q;
}

std::size_t QuantLinear::forward_bytes(std::ptrdiff_t batch) const {
  const std::size_t rows = batch > 0 ? static_cast<std::size_t>(batch) : 0;
  if (mode_ == ForwardMode::weight_only)
    return packed_.stride == in_features_ ? 0 : saturating_mul(rows, packed_.stride * sizeof(float));
  const std::size_t per_row = packed_.stride + sizeof(float) + sizeof(int32_t);
  return saturating_add(saturating_mul(rows, per_row), mode_ == ForwardMode::llm_int8 ? in_features_ * sizeof(std::size_t) : 0);
}

// y += x[:, outliers] · ((w[:, outliers] − z)·s)ᵀ in fp32: LLM.int8()'s mixed-precision half.
// The outlier columns of the weight are dequantized once per call into a contiguous
// [outliers][out_features] block (reading each packed row once, in order), then each batch row
// takes one y += x[b][c] · column per outlier: long contiguous loops the compiler vectorizes,
// where a dot product over the few outliers per output was mostly loop overhead.
void QuantLinear::add_outlier_product(const float* x, std::size_t rows, Span<const std::size_t> columns,
                                      float* y) const {
  const std::size_t n = columns.size();
  // A vector freed after the call, not a kept scratch buffer: with a low threshold most columns
  // can be outliers, and this would be an fp32 copy of the weight.
  std::vector<float> w_cols(n * out_features_);
  for (std::size_t j = 0; j < out_features_; ++j)
    for (std::size_t i = 0; i < n; ++i)
      w_cols[i * out_features_ + j] = static_cast<float>(kernels::centred_weight(packed_, j, columns[i])) * packed_.scale[j];
  for (std::size_t b = 0; b < rows; ++b) {
    float* y_row = y + b * out_features_;
    for (std::size_t i = 0; i < n; ++i) {
      const float xv = x[b * in_features_ + columns[i]];
      const float* w_col = w_cols.data() + i * out_features_;
      for (std::size_t j = 0; j < out_features_; ++j) y_row[j] += xv * w_col[j];
    }
  }
}

}  // namespace qlinear
