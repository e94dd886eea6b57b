#include "qlinear/observer.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"
#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/kernels/activation_quantizers.hpp"

namespace qlinear {

namespace {
void require_non_empty(Span<const float> values) {
  if (values.empty()) throw Error("empty tensor: there is nothing to observe");
}
}  // namespace

IntRange MinMaxObserver::validate(const Options& options) {
  if (is_per_channel(options.qscheme))
    throw Error("MinMaxObserver takes a per-tensor qscheme, got " + to_string(options.qscheme) +
                "; use PerChannelMinMaxObserver");
  return observer_range(options.dtype, options.qscheme, options.reduce_range, options.range);
}

MinMaxObserver::MinMaxObserver(const Options& options) : options_(options), range_(validate(options)) {}

void MinMaxObserver::observe(Span<const float> values, const Shape& shape) {
  require_non_empty(values);
  checked_shape(shape, values.size());
  require_finite(values, "input");
  const kernels::MinMax m = kernels::minmax(values.data(), values.size());
  min_val_ = has_observed_ ? std::min(min_val_, m.min) : m.min;
  max_val_ = has_observed_ ? std::max(max_val_, m.max) : m.max;
  has_observed_ = true;
}

QParams MinMaxObserver::calculate_qparams() const {
  QParams q;
  q.qmin = range_.min;
  q.qmax = range_.max;
  q.dtype = options_.dtype;
  q.scheme = options_.qscheme;
  q.axis = -1;
  if (!has_observed_) {
    q.scale = {1.0f};
    q.zero_point = {0};
    return q;
  }
  const ChannelQParams c = compute_channel_qparams(min_val_, max_val_, options_.qscheme,
                                                   options_.dtype, range_, options_.range);
  q.scale = {c.scale};
  q.zero_point = {c.zero_point};
  return q;
}

IntRange PerChannelMinMaxObserver::validate(const Options& options) {
  if (!is_per_channel(options.qscheme))
    throw Error("PerChannelMinMaxObserver takes a per-channel qscheme, got " +
                to_string(options.qscheme) + "; use MinMaxObserver");
  return observer_range(options.dtype, options.qscheme, options.reduce_range, options.range);
}

PerChannelMinMaxObserver::PerChannelMinMaxObserver(const Options& options)
    : options_(options), range_(validate(options)) {}

void PerChannelMinMaxObserver::observe(Span<const float> values, const Shape& shape) {
  require_non_empty(values);
  const Shape full = checked_shape(shape, values.size());
  const ChannelLayout layout = per_channel_layout(full, options_.ch_axis);
  if (has_observed() && layout.channels != min_vals_.size())
    throw Error("this observer has seen " + std::to_string(min_vals_.size()) +
                " channels, but axis " + std::to_string(options_.ch_axis) + " of shape " +
                to_string(full) + " has " + std::to_string(layout.channels));
  require_finite(values, "input");

  // Compute this tensor's per-channel extrema first so a throw above leaves state untouched.
  std::vector<float> lo(layout.channels, INFINITY);
  std::vector<float> hi(layout.channels, -INFINITY);
  const float* p = values.data();
  for (std::size_t o = 0; o < layout.outer; ++o) {
    for (std::size_t c = 0; c < layout.channels; ++c, p += layout.inner) {
      const kernels::MinMax m = kernels::minmax(p, layout.inner);
      lo[c] = std::min(lo[c], m.min);
      hi[c] = std::max(hi[c], m.max);
    }
  }
  if (!has_observed()) {
    min_vals_ = std::move(lo);
    max_vals_ = std::move(hi);
    axis_ = layout.axis;
    return;
  }
  for (std::size_t c = 0; c < layout.channels; ++c) {
    min_vals_[c] = std::min(min_vals_[c], lo[c]);
    max_vals_[c] = std::max(max_vals_[c], hi[c]);
  }
}

QParams PerChannelMinMaxObserver::calculate_qparams() const {
  QParams q;
  q.qmin = range_.min;
  q.qmax = range_.max;
  q.dtype = options_.dtype;
  q.scheme = options_.qscheme;
  q.axis = has_observed() ? axis_ : options_.ch_axis;
  if (!has_observed()) {
    q.scale = {1.0f};
    q.zero_point = {0};
    return q;
  }
  q.scale.resize(min_vals_.size());
  q.zero_point.resize(min_vals_.size());
  for (std::size_t c = 0; c < min_vals_.size(); ++c) {
    const ChannelQParams cq = compute_channel_qparams(min_vals_[c], max_vals_[c], options_.qscheme,
                                                      options_.dtype, range_, options_.range);
    q.scale[c] = cq.scale;
    q.zero_point[c] = cq.zero_point;
  }
  return q;
}

IntRange MovingAverageMinMaxObserver::validate(const Options& options) {
  if (!kAveragingConstantRange.contains(options.averaging_constant))
    throw Error("averaging_constant must be " + kAveragingConstantRange.describe() + ", got " +
                std::to_string(options.averaging_constant));
  return MinMaxObserver::validate({options.dtype, options.qscheme, options.reduce_range, options.range});
}

MovingAverageMinMaxObserver::MovingAverageMinMaxObserver(const Options& options)
    : options_(options), range_(validate(options)) {}

void MovingAverageMinMaxObserver::observe(Span<const float> values, const Shape& shape) {
  require_non_empty(values);
  checked_shape(shape, values.size());
  require_finite(values, "input");
  const kernels::MinMax m = kernels::minmax(values.data(), values.size());
  if (!has_observed_) {
    min_val_ = m.min;
    max_val_ = m.max;
    has_observed_ = true;
    return;
  }
  // One float32 rounding per operation, as PyTorch's tensor arithmetic (no fused multiply-add).
  const float c = options_.averaging_constant;
  const float min_step = c * (m.min - min_val_);
  const float max_step = c * (m.max - max_val_);
  min_val_ = min_val_ + min_step;
  max_val_ = max_val_ + max_step;
}

QParams MovingAverageMinMaxObserver::calculate_qparams() const {
  MinMaxObserver as_min_max({options_.dtype, options_.qscheme, options_.reduce_range, options_.range});
  if (has_observed_) {
    const float both[2] = {min_val_, max_val_};
    as_min_max.observe(Span<const float>(both, 2));
  }
  return as_min_max.calculate_qparams();
}

namespace {
// The percentile histogram's bins, in ascending order of value: magnitudes 2^-40 .. 2^128 in
// steps of 2^(1/32) for negative values (largest magnitude first), one bin for |x| < 2^-40, then
// the same magnitudes for positive values.
constexpr int kBinsPerOctave = 32;
constexpr int kLowestExponent = -40;
constexpr std::size_t kMagnitudeBins = static_cast<std::size_t>((128 - kLowestExponent) * kBinsPerOctave);
constexpr std::size_t kZeroBin = kMagnitudeBins;
constexpr std::size_t kHistogramBins = 2 * kMagnitudeBins + 1;

std::size_t magnitude_bin(double magnitude) {
  const double at = std::floor((std::log2(magnitude) - kLowestExponent) * kBinsPerOctave);
  return static_cast<std::size_t>(std::min(std::max(at, 0.0), static_cast<double>(kMagnitudeBins - 1)));
}

std::size_t histogram_bin(float v) {
  const double magnitude = std::abs(static_cast<double>(v));
  if (magnitude < std::ldexp(1.0, kLowestExponent)) return kZeroBin;
  const std::size_t m = magnitude_bin(magnitude);
  return v < 0 ? kZeroBin - 1 - m : kZeroBin + 1 + m;
}

double magnitude_edge(std::size_t m) {  // lower edge of magnitude bin m
  return std::exp2(static_cast<double>(m) / kBinsPerOctave + kLowestExponent);
}

// [low, high) in value of a histogram bin.
std::pair<double, double> bin_bounds(std::size_t bin) {
  if (bin == kZeroBin) return {0.0, 0.0};  // reported as exactly 0
  if (bin > kZeroBin) {
    const std::size_t m = bin - kZeroBin - 1;
    return {magnitude_edge(m), magnitude_edge(m + 1)};
  }
  const std::size_t m = kZeroBin - 1 - bin;
  return {-magnitude_edge(m + 1), -magnitude_edge(m)};
}
}  // namespace

IntRange PercentileObserver::validate(const Options& options) {
  if (!kPercentileRange.contains(options.percentile))
    throw Error("percentile must be " + kPercentileRange.describe() + ", got " + std::to_string(options.percentile));
  return MinMaxObserver::validate({options.dtype, options.qscheme, options.reduce_range, options.range});
}

PercentileObserver::PercentileObserver(const Options& options)
    : options_(options), range_(validate(options)), counts_(kHistogramBins, 0.0) {}

void PercentileObserver::observe(Span<const float> values, const Shape& shape) {
  require_non_empty(values);
  checked_shape(shape, values.size());
  require_finite(values, "input");
  const kernels::MinMax m = kernels::minmax(values.data(), values.size());
  seen_min_ = total_ == 0.0 ? m.min : std::min(seen_min_, m.min);
  seen_max_ = total_ == 0.0 ? m.max : std::max(seen_max_, m.max);
  for (const float v : values) counts_[histogram_bin(v)] += 1.0;
  total_ += static_cast<double>(values.size());
}

float PercentileObserver::quantile(double fraction) const {
  const double target = fraction * total_;
  double below = 0.0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const double c = counts_[i];
    if (c > 0.0 && below + c >= target) {
      const double within = std::min(std::max((target - below) / c, 0.0), 1.0);
      const auto [low, high] = bin_bounds(i);
      const double value = low + within * (high - low);
      return std::min(std::max(static_cast<float>(value), seen_min_), seen_max_);
    }
    below += c;
  }
  return seen_max_;
}

float PercentileObserver::min_val() const {
  if (!has_observed()) throw Error("PercentileObserver has not observed anything yet");
  return options_.percentile >= 100.0 ? seen_min_ : quantile((100.0 - options_.percentile) / 100.0);
}

float PercentileObserver::max_val() const {
  if (!has_observed()) throw Error("PercentileObserver has not observed anything yet");
  return options_.percentile >= 100.0 ? seen_max_ : quantile(options_.percentile / 100.0);
}

QParams PercentileObserver::calculate_qparams() const {
  MinMaxObserver as_min_max({options_.dtype, options_.qscheme, options_.reduce_range, options_.range});
  if (has_observed()) {
    const float both[2] = {min_val(), max_val()};
    as_min_max.observe(Span<const float>(both, 2));
  }
  return as_min_max.calculate_qparams();
}

namespace {
QParams observe_once(Span<const float> values, const Shape& shape, const QuantOptions& options,
                     bool symmetric) {
  if (options.per_channel) {
    PerChannelMinMaxObserver::Options o;
    o.dtype = options.dtype;
    o.qscheme = make_qscheme(symmetric, true);
    o.reduce_range = options.reduce_range;
    o.ch_axis = options.axis;
    o.range = options.range;
    PerChannelMinMaxObserver observer(o);
    observer.observe(values, shape);
    return observer.calculate_qparams();
  }
  MinMaxObserver::Options o;
  o.dtype = options.dtype;
  o.qscheme = make_qscheme(symmetric, false);
  o.reduce_range = options.reduce_range;
  o.range = options.range;
  MinMaxObserver observer(o);
  observer.observe(values, shape);
  return observer.calculate_qparams();
}
}  // namespace

DynamicQParams choose_qparams_per_tensor(Span<const float> x, bool reduce_range) {
  if (x.empty()) throw Error("choose_qparams_per_tensor: the input is empty");
  require_finite(x, "choose_qparams_per_tensor input");
  const kernels::MinMax m = kernels::minmax(x.data(), x.size());
  const kernels::DynamicActivationQParams p = kernels::choose_pytorch_dynamic_qparams(m.min, m.max, reduce_range);
  return {p.scale, p.zero_point, 0, reduce_range ? 127 : 255};
}

QParams get_symmetric_qparams(Span<const float> values, const Shape& shape, const QuantOptions& options) {
  return observe_once(values, shape, options, true);
}

QParams get_asymmetric_qparams(Span<const float> values, const Shape& shape, const QuantOptions& options) {
  return observe_once(values, shape, options, false);
}

}  // namespace qlinear
