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

}  // namespace qlinear
