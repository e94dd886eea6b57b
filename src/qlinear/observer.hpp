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

// torch.ao.quantization.MovingAverageMinMaxObserver: the first tensor sets min/max, every later
// one moves them toward its own by averaging_constant (min += c · (min_now − min), in float32 as
// PyTorch computes it). Steadier than MinMax when a few calibration batches are unusual.
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

// Clips outliers: a histogram of everything observed (its range grows as needed), and the
// min/max it hands to the qparams formula are the (100 − percentile)-th and percentile-th
// percentiles instead of the extremes, so a handful of huge values cannot stretch the scale for
// everyone else. Not a PyTorch observer (PyTorch's HistogramObserver searches for the range
// that minimises L2 error instead); the idea is TensorRT's percentile calibration. Percentiles
// are interpolated within a bin, so they are exact to about one bin width of the final range.
class PercentileObserver {
 public:
  struct Options {
    double percentile = 99.99;  // in (50, 100]; 100 keeps the extremes (as MinMaxObserver)
    std::size_t bins = 2048;
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
  // Widens the histogram to cover [lo, hi]: the bin width grows by a power of two and the new
  // edges fall on old ones, so every old bin lands whole in one new bin (no smearing).
  void grow_to(double lo, double hi);
  void add(Span<const float> values);
  // The value below which `fraction` of everything observed lies.
  float quantile(double fraction) const;

  Options options_;
  IntRange range_;
  std::vector<double> counts_;
  double total_ = 0.0;
  double lo_ = 0.0;     // left edge of bin 0
  double width_ = 0.0;  // 0 while every value seen is the same
  float seen_min_ = 0.0f;
  float seen_max_ = 0.0f;
};

}  // namespace qlinear
