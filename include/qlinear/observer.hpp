#pragma once
// PyTorch-style observers: feed them tensors, then ask for qparams. The names and defaults are
// torch.ao.quantization's (MinMaxObserver: quint8, per_tensor_affine; PerChannelMinMaxObserver:
// quint8, per_channel_affine, ch_axis 0), so a PyTorch user finds what they know.
#include <vector>

#include "qlinear/qparams.hpp"
#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

class MinMaxObserver {
 public:
  struct Options {
    QuantDtype dtype = QuantDtype::quint8;
    QScheme qscheme = QScheme::per_tensor_affine;
    bool reduce_range = false;
    RangeVariant range = RangeVariant::full;
  };

  // Throws for options PyTorch refuses (symmetric quint8 with reduce_range, ...); returns the
  // integer range the scale will be computed for.
  static IntRange validate(const Options& options);

  MinMaxObserver() : MinMaxObserver(Options{}) {}
  explicit MinMaxObserver(const Options& options);

  // PyTorch's forward(): widen the running min/max. Throws on empty input or NaN/Inf (and
  // then leaves the running min/max as they were).
  void observe(Span<const float> values, const Shape& shape = {});

  // Scale 1, zero point 0 before any data, as PyTorch returns (with a warning) in that case.
  QParams calculate_qparams() const;

  bool has_observed() const { return has_observed_; }
  float min_val() const { return min_val_; }
  float max_val() const { return max_val_; }
  const Options& options() const { return options_; }
  IntRange quant_range() const { return range_; }

 private:
  Options options_;
  IntRange range_;
  bool has_observed_ = false;
  float min_val_ = 0.0f;
  float max_val_ = 0.0f;
};

template <>
struct OptionFields<MinMaxObserver::Options> {
  static constexpr const char* group = "MinMaxObserverOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = MinMaxObserver::Options;
    field("dtype", &O::dtype);
    field("qscheme", &O::qscheme);
    field("reduceRange", &O::reduce_range);
    field("range", &O::range);
  }
};

class PerChannelMinMaxObserver {
 public:
  struct Options {
    QuantDtype dtype = QuantDtype::quint8;
    QScheme qscheme = QScheme::per_channel_affine;
    bool reduce_range = false;
    int ch_axis = 0;
    RangeVariant range = RangeVariant::full;
  };

  static IntRange validate(const Options& options);

  PerChannelMinMaxObserver() : PerChannelMinMaxObserver(Options{}) {}
  explicit PerChannelMinMaxObserver(const Options& options);

  // Throws on empty input, NaN/Inf, a shape that does not match, an axis out of range, or a
  // channel count different from earlier calls; state is unchanged after a throw.
  void observe(Span<const float> values, const Shape& shape);

  QParams calculate_qparams() const;

  bool has_observed() const { return !min_vals_.empty(); }
  const std::vector<float>& min_vals() const { return min_vals_; }
  const std::vector<float>& max_vals() const { return max_vals_; }
  const Options& options() const { return options_; }
  IntRange quant_range() const { return range_; }

 private:
  Options options_;
  IntRange range_;
  int axis_ = 0;  // normalised axis of the first observed tensor
  std::vector<float> min_vals_;
  std::vector<float> max_vals_;
};

template <>
struct OptionFields<PerChannelMinMaxObserver::Options> {
  static constexpr const char* group = "PerChannelMinMaxObserverOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = PerChannelMinMaxObserver::Options;
    field("dtype", &O::dtype);
    field("qscheme", &O::qscheme);
    field("reduceRange", &O::reduce_range);
    field("chAxis", &O::ch_axis);
    field("range", &O::range);
  }
};

// torch.ao.quantization.MovingAverageMinMaxObserver: the first tensor sets min/max, every later
// one moves them toward its own by averaging_constant (min += c · (min_now − min), in float32 as
// PyTorch computes it). Steadier than MinMax when a few calibration batches are unusual.
// The averaging constants MovingAverageMinMaxObserver accepts.
constexpr NumberRange kAveragingConstantRange{0.0, 1.0, true};

class MovingAverageMinMaxObserver {
 public:
  struct Options {
    float averaging_constant = 0.01f;
    QuantDtype dtype = QuantDtype::quint8;
    QScheme qscheme = QScheme::per_tensor_affine;
    bool reduce_range = false;
    RangeVariant range = RangeVariant::full;
  };

  // Throws for options PyTorch refuses, and for an averaging constant outside (0, 1].
  static IntRange validate(const Options& options);

  MovingAverageMinMaxObserver() : MovingAverageMinMaxObserver(Options{}) {}
  explicit MovingAverageMinMaxObserver(const Options& options);

  void observe(Span<const float> values, const Shape& shape = {});  // throws as MinMaxObserver's
  QParams calculate_qparams() const;

  bool has_observed() const { return has_observed_; }
  float min_val() const { return min_val_; }
  float max_val() const { return max_val_; }
  const Options& options() const { return options_; }

 private:
  Options options_;
  IntRange range_;
  bool has_observed_ = false;
  float min_val_ = 0.0f;
  float max_val_ = 0.0f;
};

// Clips outliers: the min/max it hands to the qparams formula are the (100 − percentile)-th and
// percentile-th percentiles of everything observed instead of the extremes, so a handful of huge
// values cannot stretch the scale for everyone else. Not a PyTorch observer (PyTorch's
// HistogramObserver searches for the range that minimises L2 error instead); the idea is
// TensorRT's percentile calibration. The histogram has fixed log-spaced bins (32 per octave of
// |x|, from 2^-40 to the float maximum, either sign, and one bin for |x| < 2^-40), so no value,
// however large, coarsens it: a percentile is within one bin, 2.2% of its magnitude, of exact
// (interpolated linearly inside the bin, usually much closer), whatever else was observed.
// The percentiles PercentileObserver accepts: 100 keeps the extremes.
constexpr NumberRange kPercentileRange{50.0, 100.0, true};

class PercentileObserver {
 public:
  struct Options {
    double percentile = 99.99;  // in (50, 100]; 100 keeps the extremes (as MinMaxObserver)
    QuantDtype dtype = QuantDtype::quint8;
    QScheme qscheme = QScheme::per_tensor_affine;
    bool reduce_range = false;
    RangeVariant range = RangeVariant::full;
  };

  static IntRange validate(const Options& options);

  PercentileObserver() : PercentileObserver(Options{}) {}
  explicit PercentileObserver(const Options& options);

  void observe(Span<const float> values, const Shape& shape = {});  // throws as MinMaxObserver's
  QParams calculate_qparams() const;

  bool has_observed() const { return total_ > 0; }
  // The clipped range calculate_qparams uses (throws before any data).
  float min_val() const;
  float max_val() const;
  // The extremes seen so far.
  float seen_min() const { return seen_min_; }
  float seen_max() const { return seen_max_; }
  const Options& options() const { return options_; }

 private:
  // The value below which `fraction` of everything observed lies.
  float quantile(double fraction) const;

  Options options_;
  IntRange range_;
  std::vector<double> counts_;  // bins in ascending order of value
  double total_ = 0.0;
  float seen_min_ = 0.0f;
  float seen_max_ = 0.0f;
};

// torch._choose_qparams_per_tensor(x, reduce_range): the quint8 scale and zero point PyTorch's
// dynamic Linear quantizes its whole input with (ChooseQuantizationParams over x's min and max,
// [0, 255], or [0, 127] with reduce_range, which nn.quantized.dynamic.Linear passes). The scale is
// a double, as PyTorch returns it. Throws on empty input or NaN/Inf.
struct DynamicQParams {
  double scale = 1.0;
  int32_t zero_point = 0;
  int32_t qmin = 0;
  int32_t qmax = 255;
};
DynamicQParams choose_qparams_per_tensor(Span<const float> x, bool reduce_range);

// The tutorial's names (seed 000's quant_tool): observe `values` once and return the qparams.
// `shape` may be empty for a 1-D tensor. Throws on empty input, NaN/Inf, or a bad shape/axis.
QParams get_symmetric_qparams(Span<const float> values, const Shape& shape = {},
                              const QuantOptions& options = {});
QParams get_asymmetric_qparams(Span<const float> values, const Shape& shape = {},
                               const QuantOptions& options = {});

}  // namespace qlinear
