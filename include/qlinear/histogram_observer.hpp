#pragma once
// torch.ao.quantization.HistogramObserver (PyTorch 1.13), bit for bit: a running histogram of
// everything observed, and qparams from the range that minimises the L2 quantization error of
// that histogram (_non_linear_param_search), instead of the extremes MinMaxObserver uses. Every
// step is PyTorch's own, in PyTorch's precision and order: the histc binning, the merge of the
// old histogram into a wider range (upsample, integrate in double, resample), the float32
// error of each candidate range summed as ATen's CPU sum adds a float tensor, and the Python
// doubles of the search loop. 1.13's quirks are kept (see below), so a model calibrated here
// gets the scales PyTorch would give it.
//
// PyTorch 1.13's behaviour, reproduced on purpose:
//   * The histogram's range is [int(min), int(max)] (truncated toward zero) although min_val /
//     max_val keep the true extremes: values outside the truncated range are not counted, and a
//     range inside (-1, 1) (int() gives 0 and 0) falls back to the data's own min and max.
//   * While every value seen so far is the same number, a new tensor replaces the histogram
//     instead of being merged into it.
//   * The error search always works on 256 destination bins (2^8), reduce_range or not.
#include <cstdint>
#include <vector>

#include "qlinear/names.hpp"
#include "qlinear/qparams.hpp"
#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

// The bins and upsample rates HistogramObserver accepts. PyTorch accepts any positive number
// (0 fails on the first or second tensor); the upper limits keep a merge (bins × upsample_rate
// additions) and the search (bins per candidate range) fast.
constexpr NumberRange kHistogramBinsRange{1.0, 65536.0};
constexpr NumberRange kHistogramUpsampleRateRange{1.0, 4096.0};
// PyTorch's HistogramObserver is per-tensor only.
constexpr QScheme kHistogramQSchemes[] = {QScheme::per_tensor_affine, QScheme::per_tensor_symmetric};

class HistogramObserver {
 public:
  struct Options {
    int bins = 2048;
    int upsample_rate = 128;
    QuantDtype dtype = QuantDtype::quint8;
    QScheme qscheme = QScheme::per_tensor_affine;
    bool reduce_range = false;
    RangeVariant range = RangeVariant::full;
  };

  // Throws for a per-channel qscheme (PyTorch: NotImplementedError), for what MinMaxObserver
  // refuses (symmetric quint8 with reduce_range: PyTorch's HistogramObserver would return zero
  // point 128 outside [0, 127]; the restricted range with quint8), and for bins or an upsample
  // rate outside the ranges above; returns the integer range the scale will be computed for.
  static IntRange validate(const Options& options);

  HistogramObserver() : HistogramObserver(Options{}) {}
  explicit HistogramObserver(const Options& options);

  // PyTorch's forward(): add the tensor to the histogram, widening its range when needed.
  // Throws on empty input or NaN/Inf (PyTorch ignores an empty tensor; qlinear refuses it as
  // its other observers do), and then leaves the state as it was.
  void observe(Span<const float> values, const Shape& shape = {});

  // Scale 1, zero point 0 before any data, as PyTorch returns (with a warning) in that case.
  QParams calculate_qparams() const;

  bool has_observed() const { return has_observed_; }
  // The extremes seen so far (the histogram's range: its top may have been relaxed upward by a
  // merge, as PyTorch does). 0 before any data.
  float min_val() const { return min_val_; }
  float max_val() const { return max_val_; }
  // `bins` counts over [min_val, max_val] (fractional after a merge); all zeros before any data.
  const std::vector<float>& histogram() const { return histogram_; }
  const Options& options() const { return options_; }
  IntRange quant_range() const { return range_; }

  // The search calculate_qparams runs, for tests and diagnostics. `start_bin` and `end_bin` are
  // the histogram bins the chosen range covers; min_val / max_val is that range in float32, as
  // PyTorch computes it (min_val + bin_width · start_bin, min_val + bin_width · (end_bin + 1)).
  // Throws before any data.
  struct SearchResult {
    int start_bin;
    int end_bin;
    float min_val;
    float max_val;
  };
  SearchResult search() const;
  // _compute_quantization_error(start_bin, end_bin): the L2 error, as PyTorch's float32 arithmetic
  // gives it, of quantizing the histogram with the range of bins [start_bin, end_bin] mapped to
  // 256 levels. Throws before any data or for bins out of order or outside the histogram.
  double quantization_error(int start_bin, int end_bin) const;

 private:
  Options options_;
  IntRange range_;
  bool has_observed_ = false;
  float min_val_ = 0.0f;
  float max_val_ = 0.0f;
  std::vector<float> histogram_;
};

template <>
struct OptionFields<HistogramObserver::Options> {
  static constexpr const char* group = "HistogramObserverOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = HistogramObserver::Options;
    field("bins", &O::bins, kHistogramBinsRange);
    field("upsampleRate", &O::upsample_rate, kHistogramUpsampleRateRange);
    field("dtype", &O::dtype);
    field("qscheme", &O::qscheme, kHistogramQSchemes);
    field("reduceRange", &O::reduce_range);
    field("range", &O::range);
  }
};

}  // namespace qlinear
