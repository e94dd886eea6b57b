// Every float operation in this file is one PyTorch tensor operation, rounded to float32 on its
// own: CMakeLists.txt compiles it with -ffp-contract=off, so that no fused multiply-add forms where
// the target has FMA (aarch64, -march=native, -mfma) and moves a scale by an ulp.
#include "qlinear/histogram_observer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "aten_histogram_ops.hpp"
#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"
#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/observer.hpp"

namespace qlinear {

namespace {

// 2 ** torch.iinfo(dtype).bits: the search maps a range onto 256 levels whatever the dtype,
// reduce_range or quant range.
constexpr int kDstBins = 256;

// A merge's largest downsample rate (its grid has bins · rate cells; 2^16 · 2^40 fits int64).
constexpr float kMaxDownsampleRate = 1099511627776.0f;  // 2^40

// ---- _compute_quantization_error ---------------------------------------------------------------

// std::fmod(a, b), faster: for |a / b| < 2^23 the double quotient truncates to the true one
// (a float quotient that is not an integer is at least 2^-48 of itself away from one, and double
// rounding moves it by at most 2^-53), and a − n·b is then exact in double (n·b has at most 47
// significant bits; the result is a float). The sign of a zero result may differ from fmod's,
// which no caller below can see.
float exact_fmod(float a, float b) {
  const double q = std::trunc(static_cast<double>(a) / static_cast<double>(b));
  if (!(std::abs(q) < 8388608.0)) return std::fmod(a, b);
  return static_cast<float>(static_cast<double>(a) - q * static_cast<double>(b));
}

// torch.div(a, b, rounding_mode='floor') for float32 (c10's div_floor_floating).
float div_floor(float a, float b) {
  if (b == 0.0f) return a / b;
  const float mod = exact_fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f)) div = div - 1.0f;
  if (div == 0.0f) return std::copysign(0.0f, a / b);
  float floordiv = std::floor(div);
  if (div - floordiv > 0.5f) floordiv = floordiv + 1.0f;
  return floordiv;
}

float cube(float v) {  // v * v * v, left to right
  const float square = v * v;
  return square * v;
}

// _get_norm(delta_begin, delta_end, density) = density * ((end³ − begin³) / 3).
float get_norm(float delta_begin, float delta_end, float density) {
  const float difference = cube(delta_end) - cube(delta_begin);
  return density * (difference / 3.0f);
}

// `norms` is scratch space of histogram.size() floats.
double quantization_error(const std::vector<float>& histogram, float min_val, float max_val, int start_bin,
                          int end_bin, std::vector<float>& norms) {
  const auto bins = static_cast<int64_t>(histogram.size());
  // Python floats (double) from the float32 min_val / max_val.
  const double bin_width = (static_cast<double>(max_val) - static_cast<double>(min_val)) / static_cast<double>(bins);
  const double dst_bin_width =
      bin_width * static_cast<double>(end_bin - start_bin + 1) / static_cast<double>(kDstBins);
  if (dst_bin_width == 0.0) return 0.0;
  // The Python scalars, as the float32 tensor arithmetic takes them.
  const auto width = static_cast<float>(bin_width);
  const auto dst_width = static_cast<float>(dst_bin_width);
  const auto half = static_cast<float>(dst_bin_width / 2);
  const auto minus_half = static_cast<float>(-dst_bin_width / 2);
  const float top = static_cast<float>(kDstBins - 1);
  const float inner = (cube(half) - cube(minus_half)) / 3.0f;  // _get_norm(-w/2, w/2, ·) before density
  for (int64_t i = 0; i < bins; ++i) {
    const float src_begin = static_cast<float>(i - start_bin) * width;
    const float src_end = src_begin + width;
    const float dst_of_begin = std::min(std::max(div_floor(src_begin, dst_width), 0.0f), top);
    const float dst_of_begin_center = (dst_of_begin + 0.5f) * dst_width;
    const float dst_of_end = std::min(std::max(div_floor(src_end, dst_width), 0.0f), top);
    const float density = histogram[static_cast<std::size_t>(i)] / width;

    float norm = 0.0f;
    norm = norm + get_norm(src_begin - dst_of_begin_center, half, density);
    const float between = (dst_of_end - dst_of_begin) - 1.0f;
    norm = norm + between * (density * inner);
    const float dst_of_end_center = dst_of_end * dst_width + half;
    norm = norm + get_norm(minus_half, src_end - dst_of_end_center, density);
    norms[static_cast<std::size_t>(i)] = norm;
  }
  return static_cast<double>(aten::sum(norms.data(), norms.size()));
}

void require_non_empty(Span<const float> values) {
  if (values.empty()) throw Error("empty tensor: there is nothing to observe");
}

}  // namespace

IntRange HistogramObserver::validate(const Options& options) {
  if (!kHistogramBinsRange.contains(options.bins))
    throw Error("bins must be " + kHistogramBinsRange.describe() + ", got " + std::to_string(options.bins));
  if (!kHistogramUpsampleRateRange.contains(options.upsample_rate))
    throw Error("upsample_rate must be " + kHistogramUpsampleRateRange.describe() + ", got " +
                std::to_string(options.upsample_rate));
  if (is_per_channel(options.qscheme))
    throw Error("HistogramObserver takes a per-tensor qscheme (per_tensor_affine or per_tensor_symmetric), got " +
                to_string(options.qscheme));
  // PyTorch 1.13's HistogramObserver (unlike its MinMaxObserver) lets this through and returns
  // zero point 128, outside the reduced range [0, 127]: refused here, as MinMaxObserver refuses it.
  if (options.dtype == QuantDtype::quint8 && is_symmetric(options.qscheme) && options.reduce_range)
    throw Error("HistogramObserver: cannot reduce the range of symmetric quint8 (the zero point 128 would lie "
                "outside [0, 127]); use qint8, or per_tensor_affine, or reduce_range false");
  return MinMaxObserver::validate({options.dtype, options.qscheme, options.reduce_range, options.range});
}

HistogramObserver::HistogramObserver(const Options& options)
    : options_(options), range_(validate(options)), histogram_(static_cast<std::size_t>(options.bins), 0.0f) {}

void HistogramObserver::observe(Span<const float> values, const Shape& shape) {
  require_non_empty(values);
  checked_shape(shape, values.size());
  require_finite(values, "input");
  const kernels::MinMax m = kernels::minmax(values.data(), values.size());
  std::vector<float> hist(static_cast<std::size_t>(options_.bins), 0.0f);

  // The first tensor, or every value so far the same: this tensor's histogram replaces the old one.
  if (!has_observed_ || min_val_ == max_val_) {
    aten::histc(values, m.min, m.max, std::trunc(static_cast<double>(m.min)), std::trunc(static_cast<double>(m.max)), hist);
    histogram_ = std::move(hist);
    min_val_ = m.min;
    max_val_ = m.max;
    has_observed_ = true;
    return;
  }

  // _adjust_min_max: a grid of (max_val − min_val) / (bins · upsample_rate) cells, the combined
  // range widened at the top to a whole number (downsample_rate) of cells per bin.
  const int64_t bins = options_.bins;
  const int64_t upsample_rate = options_.upsample_rate;
  const float combined_min = std::min(m.min, min_val_);
  const float max_before = std::max(m.max, max_val_);
  const float cell = (max_val_ - min_val_) / static_cast<float>(bins * upsample_rate);
  const float bins_of_cells = static_cast<float>(bins) * cell;
  const float span = max_before - combined_min;
  const float rate = std::ceil(span / bins_of_cells);
  // PyTorch fails here too: int() of an infinite float when the cells underflow (a range of a few
  // denormals), and out of memory long before 2^40 (it allocates bins · downsample_rate floats).
  if (!(rate >= 1.0f && rate <= kMaxDownsampleRate))
    throw Error("HistogramObserver: cannot merge the range [" + std::to_string(combined_min) + ", " +
                std::to_string(max_before) + "] into the histogram's [" + std::to_string(min_val_) + ", " +
                std::to_string(max_val_) + "]: it is too many times wider");
  const auto downsample_rate = static_cast<int64_t>(rate);
  const float excess = static_cast<float>(downsample_rate) * bins_of_cells - span;
  const float combined_max = max_before + excess;
  const auto start_idx = static_cast<int64_t>(std::nearbyint((min_val_ - combined_min) / cell));

  aten::histc(values, m.min, m.max, std::trunc(static_cast<double>(combined_min)),
        std::trunc(static_cast<double>(combined_max)), hist);
  if (combined_min == min_val_ && combined_max == max_val_) {
    for (std::size_t i = 0; i < hist.size(); ++i) hist[i] = hist[i] + histogram_[i];
  } else {
    // PyTorch's slice assignment fails when the upsampled histogram overhangs the grid.
    if (start_idx < 0 || start_idx + bins * upsample_rate > bins * downsample_rate)
      throw Error("HistogramObserver: the histogram does not fit the merged range (PyTorch fails here too)");
    aten::combine_histograms(hist, histogram_, upsample_rate, downsample_rate, start_idx);
  }
  histogram_ = std::move(hist);
  min_val_ = combined_min;
  max_val_ = combined_max;
}

double HistogramObserver::quantization_error(int start_bin, int end_bin) const {
  if (!has_observed_) throw Error("HistogramObserver has not observed anything yet");
  if (start_bin < 0 || end_bin < start_bin || end_bin >= options_.bins)
    throw Error("quantization_error: bins [" + std::to_string(start_bin) + ", " + std::to_string(end_bin) +
                "] are not an ordered range inside [0, " + std::to_string(options_.bins - 1) + "]");
  std::vector<float> norms(histogram_.size());
  return qlinear::quantization_error(histogram_, min_val_, max_val_, start_bin, end_bin, norms);
}

// _non_linear_param_search: walk the quantiles alpha and 1 − beta inward in steps of 1e-5,
// moving whichever end of the range moves more bins, while the quantization error does not grow.
HistogramObserver::SearchResult HistogramObserver::search() const {
  if (!has_observed_) throw Error("HistogramObserver has not observed anything yet");
  const int bins = options_.bins;
  const float bin_width = (max_val_ - min_val_) / static_cast<float>(bins);
  const auto total = static_cast<double>(aten::sum(histogram_.data(), histogram_.size()));
  // torch.cumsum of a float32 tensor: a double running sum, stored in float32.
  std::vector<float> cumulative(histogram_.size());
  double running = 0.0;
  for (std::size_t i = 0; i < histogram_.size(); ++i) {
    running += static_cast<double>(histogram_[i]);
    cumulative[i] = static_cast<float>(running);
  }
  std::vector<float> norms(histogram_.size());

  constexpr double kStep = 1e-5;
  double alpha = 0.0;
  double beta = 1.0;
  int start_bin = 0;
  int end_bin = bins - 1;
  double norm_min = std::numeric_limits<double>::infinity();
  while (alpha < beta) {
    const double next_alpha = alpha + kStep;
    const double next_beta = beta - kStep;
    // cSum[l] < next_alpha * total compares in float32: the Python float is rounded to it.
    const auto lower = static_cast<float>(next_alpha * total);
    const auto upper = static_cast<float>(next_beta * total);
    int l = start_bin;
    int r = end_bin;
    while (l < end_bin && cumulative[static_cast<std::size_t>(l)] < lower) ++l;
    while (r > start_bin && cumulative[static_cast<std::size_t>(r)] > upper) --r;
    int next_start = start_bin;
    int next_end = end_bin;
    if (l - start_bin > end_bin - r) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const double norm = qlinear::quantization_error(histogram_, min_val_, max_val_, next_start, next_end, norms);
    if (norm > norm_min) break;
    norm_min = norm;
    start_bin = next_start;
    end_bin = next_end;
  }
  const float new_min = min_val_ + bin_width * static_cast<float>(start_bin);
  const float new_max = min_val_ + bin_width * static_cast<float>(end_bin + 1);
  return {start_bin, end_bin, new_min, new_max};
}

// The searched range through MinMaxObserver's formula, as PyTorch's _calculate_qparams.
QParams HistogramObserver::calculate_qparams() const {
  MinMaxObserver as_min_max({options_.dtype, options_.qscheme, options_.reduce_range, options_.range});
  if (has_observed_) {
    const SearchResult s = search();
    const float both[2] = {s.min_val, s.max_val};
    as_min_max.observe(Span<const float>(both, 2));
  }
  return as_min_max.calculate_qparams();
}

}  // namespace qlinear
