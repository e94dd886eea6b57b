#pragma once
// Static W8A8, PyTorch's eager-mode flow: prepare() puts an observer on every layer's input,
// running calibration data through the prepared model records what those inputs look like, and
// convert() quantizes the weights and freezes one quint8 scale and zero point per layer input.
// At inference the activations are then quantized with those fixed qparams (no min/max pass),
// unlike dynamic mode, which measures every input it is given.
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "qlinear/model.hpp"
#include "qlinear/histogram_observer.hpp"
#include "qlinear/observer.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

enum class ActivationObserverKind {
  min_max,                 // torch.ao.quantization.MinMaxObserver (PyTorch's default_qconfig)
  moving_average_min_max,  // torch.ao.quantization.MovingAverageMinMaxObserver
  percentile,              // PercentileObserver: clips the rarest extremes
  histogram,               // torch.ao.quantization.HistogramObserver (PyTorch's default static qconfigs)
};
template <>
struct EnumNames<ActivationObserverKind> {
  static constexpr const char* type = "ActivationObserverName";
  static constexpr const char* noun = "activation observer";
  static constexpr NamedValue<ActivationObserverKind> values[] = {
      {ActivationObserverKind::min_max, "minmax", "MinMax: the extremes seen (PyTorch's default_qconfig)"},
      {ActivationObserverKind::moving_average_min_max, "moving-average", "moving-average MinMax: steadier over unusual batches"},
      {ActivationObserverKind::percentile, "percentile", "percentile: clips the rarest extremes"},
      {ActivationObserverKind::histogram, "histogram", "histogram: the range with the least L2 error (PyTorch's default qconfigs)"},
  };
  static constexpr NameAlias<ActivationObserverKind> aliases[] = {
      {"min-max", ActivationObserverKind::min_max},
      {"min_max", ActivationObserverKind::min_max},
      {"moving-average-minmax", ActivationObserverKind::moving_average_min_max},
      {"moving_average_minmax", ActivationObserverKind::moving_average_min_max},
  };
};

inline std::string to_string(ActivationObserverKind kind) { return name_of(kind); }
inline ActivationObserverKind parse_activation_observer(const std::string& name) {
  return parse_name<ActivationObserverKind>(name);
}

// What prepare() attaches to every layer input. Activations are quint8 per-tensor (PyTorch's
// choice for static Linear inputs); reduce_range is off because qlinear's kernels accumulate
// exactly in int32 for any input in [0, 255].
struct CalibrationOptions {
  ActivationObserverKind observer = ActivationObserverKind::min_max;
  QScheme qscheme = QScheme::per_tensor_affine;  // or per_tensor_symmetric
  bool reduce_range = false;
  float averaging_constant = 0.01f;  // moving-average
  double percentile = 99.99;         // percentile
};

// Activation observers are per tensor.
constexpr QScheme kActivationQSchemes[] = {QScheme::per_tensor_affine, QScheme::per_tensor_symmetric};

template <>
struct OptionFields<CalibrationOptions> {
  static constexpr const char* group = "PrepareOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = CalibrationOptions;
    field("observer", &O::observer);
    field("qscheme", &O::qscheme, kActivationQSchemes);
    field("reduceRange", &O::reduce_range);
    field("averagingConstant", &O::averaging_constant, kAveragingConstantRange);
    field("percentile", &O::percentile, kPercentileRange);
  }
};

// One observer of any of the kinds above.
class ActivationObserver {
 public:
  explicit ActivationObserver(const CalibrationOptions& options);
  void observe(Span<const float> values);
  QParams calculate_qparams() const;
  bool has_observed() const;
  // The range the qparams are computed from (after clipping, for percentile).
  float min_val() const;
  float max_val() const;

 private:
  std::variant<MinMaxObserver, MovingAverageMinMaxObserver, PercentileObserver, HistogramObserver> observer_;
};

// What one layer's input observer has seen, for reports.
struct ObserverSummary {
  std::string layer;
  bool observed = false;
  std::optional<float> min_val;  // the range the qparams come from (after clipping); none before data
  std::optional<float> max_val;
  std::optional<QParams> qparams;
};

class PreparedModel {
 public:
  // The model runs in its own precision (fp32 layers in fp32, as PyTorch calibrates before
  // converting); each layer's input is observed on every forward.
  PreparedModel(Model model, const CalibrationOptions& options);

  // Calibration: runs the model on x, observing every layer's input, and returns the output.
  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch);
  // The same into y (exactly batch × out_features values, not overlapping x).
  void forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y);
  // Heap bytes forward_into allocates besides its input and output: every layer's input is kept
  // until the observers have seen them all.
  std::size_t forward_bytes(std::ptrdiff_t batch) const;

  const Model& model() const { return model_; }
  const CalibrationOptions& options() const { return options_; }
  const std::vector<ActivationObserver>& observers() const { return observers_; }  // one per layer
  std::size_t calibration_rows() const { return rows_; }  // batch rows observed so far
  std::vector<ObserverSummary> observer_summaries() const;  // one per layer

 private:
  Model model_;
  CalibrationOptions options_;
  std::vector<ActivationObserver> observers_;
  std::size_t rows_ = 0;
};

// torch.ao.quantization.prepare: a copy of `model` with observers (throws on an empty model).
PreparedModel prepare(const Model& model, const CalibrationOptions& options = {});

// The backends PyTorch 1.13's get_default_qconfig(backend) names.
enum class QConfigBackend { fbgemm, qnnpack, x86, onednn };
template <>
struct EnumNames<QConfigBackend> {
  static constexpr const char* type = "QConfigBackend";
  static constexpr const char* noun = "qconfig backend";
  static constexpr NamedValue<QConfigBackend> values[] = {
      {QConfigBackend::fbgemm, "fbgemm", "x86 servers: histogram activations with reduce_range, per-channel weights"},
      {QConfigBackend::qnnpack, "qnnpack", "ARM / mobile: histogram activations, per-tensor weights"},
      {QConfigBackend::x86, "x86", "as fbgemm (PyTorch 1.13's x86 qconfig)"},
      {QConfigBackend::onednn, "onednn", "oneDNN: histogram activations without reduce_range, per-channel weights"},
  };
};

// torch.ao.quantization.get_default_qconfig(backend) in PyTorch 1.13: the activation observer
// (HistogramObserver, quint8 per-tensor affine; reduce_range for fbgemm and x86) as prepare()
// options, and the weight observer (qint8 symmetric: PerChannelMinMaxObserver, or MinMaxObserver
// per tensor for qnnpack; the full [-128, 127] range) as convert() options.
struct QConfig {
  CalibrationOptions activation;
  QuantLinearOptions weight;
};
QConfig default_qconfig(QConfigBackend backend);

// torch.ao.quantization.convert: every fp32 layer not excluded becomes a QuantLinear in static
// mode, weights quantized per `weights` (its mode is ignored), input qparams from its observer.
// Layers already quantized and excluded layers are kept as they are. Throws before any
// calibration data was seen, and for unknown names in `modules_to_exclude`.
Model convert(const PreparedModel& prepared, const QuantLinearOptions& weights = {},
              const std::vector<std::string>& modules_to_exclude = {});

}  // namespace qlinear
