#include "qlinear/observer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"
#include "qlinear/kernels/elementwise.hpp"

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

}  // namespace qlinear
