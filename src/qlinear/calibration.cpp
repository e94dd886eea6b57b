#include "qlinear/calibration.hpp"

#include <algorithm>

#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"

namespace qlinear {

namespace {
std::variant<MinMaxObserver, MovingAverageMinMaxObserver, PercentileObserver, HistogramObserver> make_observer(
    const CalibrationOptions& o) {
  if (is_per_channel(o.qscheme))
    throw Error("activation observers are per-tensor: qscheme must be per_tensor_affine or per_tensor_symmetric");
  switch (o.observer) {
    case ActivationObserverKind::min_max:
      return MinMaxObserver({QuantDtype::quint8, o.qscheme, o.reduce_range, RangeVariant::full});
    case ActivationObserverKind::moving_average_min_max:
      return MovingAverageMinMaxObserver({o.averaging_constant, QuantDtype::quint8, o.qscheme, o.reduce_range,
                                          RangeVariant::full});
    case ActivationObserverKind::percentile:
      return PercentileObserver({o.percentile, QuantDtype::quint8, o.qscheme, o.reduce_range, RangeVariant::full});
    case ActivationObserverKind::histogram:
      return HistogramObserver({2048, 128, QuantDtype::quint8, o.qscheme, o.reduce_range, RangeVariant::full});
  }
  throw Error("unknown activation observer");
}
}  // namespace

QConfig default_qconfig(QConfigBackend backend) {
  QConfig q;
  q.activation.observer = ActivationObserverKind::histogram;
  q.activation.qscheme = QScheme::per_tensor_affine;
  q.activation.reduce_range = backend == QConfigBackend::fbgemm || backend == QConfigBackend::x86;
  q.weight.symmetric = true;
  q.weight.per_channel = backend != QConfigBackend::qnnpack;
  q.weight.dtype = QuantDtype::qint8;
  q.weight.reduce_range = false;
  q.weight.range = RangeVariant::full;
  q.weight.mode = ForwardMode::static_int8;
  return q;
}

ActivationObserver::ActivationObserver(const CalibrationOptions& options) : observer_(make_observer(options)) {}

void ActivationObserver::observe(Span<const float> values) {
  std::visit([&](auto& o) { o.observe(values); }, observer_);
}

QParams ActivationObserver::calculate_qparams() const {
  return std::visit([](const auto& o) { return o.calculate_qparams(); }, observer_);
}

bool ActivationObserver::has_observed() const {
  return std::visit([](const auto& o) { return o.has_observed(); }, observer_);
}

float ActivationObserver::min_val() const {
  return std::visit([](const auto& o) { return o.min_val(); }, observer_);
}

float ActivationObserver::max_val() const {
  return std::visit([](const auto& o) { return o.max_val(); }, observer_);
}

PreparedModel::PreparedModel(Model model, const CalibrationOptions& options)
    : model_(std::move(model)), options_(options) {
  if (model_.layers().empty()) throw Error("the model has no layers to prepare");
  observers_.reserve(model_.layers().size());
  for (std::size_t i = 0; i < model_.layers().size(); ++i) observers_.emplace_back(options_);
}

std::vector<float> PreparedModel::forward(Span<const float> x, std::ptrdiff_t batch) {
  std::vector<float> y(batch > 0 ? static_cast<std::size_t>(batch) * model_.out_features() : 0);
  forward_into(x, batch, y);  // checks the input
  return y;
}

void PreparedModel::forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) {
  const auto& layers = model_.layers();
  check_forward_input(x, batch, layers.front().in_features(), "PreparedModel");
  check_forward_output(y, batch, layers.back().out_features(), "PreparedModel");
  // Run first, observe after: a layer that throws (e.g. float overflow) leaves every observer
  // as it was, so one bad calibration batch does not half-update the statistics.
  std::vector<std::vector<float>> inputs;
  inputs.reserve(layers.size());
  inputs.emplace_back(x.begin(), x.end());
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) inputs.push_back(layers[i].forward(inputs.back(), batch));
  layers.back().forward_into(inputs.back(), batch, y);
  for (std::size_t i = 0; i < layers.size(); ++i) observers_[i].observe(inputs[i]);
  rows_ += static_cast<std::size_t>(batch);
}

std::size_t PreparedModel::forward_bytes(std::ptrdiff_t batch) const {
  const std::size_t rows = batch > 0 ? static_cast<std::size_t>(batch) : 0;
  std::size_t inputs = 0, layer_most = 0;
  for (const Layer& l : model_.layers()) {
    inputs = saturating_add(inputs, saturating_mul(rows, l.in_features() * sizeof(float)));
    layer_most = std::max(layer_most, l.forward_bytes(batch));
  }
  return saturating_add(inputs, layer_most);
}

std::vector<ObserverSummary> PreparedModel::observer_summaries() const {
  std::vector<ObserverSummary> out;
  for (std::size_t i = 0; i < observers_.size(); ++i) {
    const ActivationObserver& o = observers_[i];
    ObserverSummary s{model_.layers()[i].name, o.has_observed(), std::nullopt, std::nullopt, std::nullopt};
    if (s.observed) {
      s.min_val = o.min_val();
      s.max_val = o.max_val();
      s.qparams = o.calculate_qparams();
    }
    out.push_back(std::move(s));
  }
  return out;
}

PreparedModel prepare(const Model& model, const CalibrationOptions& options) { return PreparedModel(model, options); }

Model convert(const PreparedModel& prepared, const QuantLinearOptions& weights,
              const std::vector<std::string>& modules_to_exclude) {
  const auto& layers = prepared.model().layers();
  for (const std::string& name : modules_to_exclude)
    if (std::none_of(layers.begin(), layers.end(), [&](const Layer& l) { return l.name == name; }))
      throw Error("modules_to_exclude names '" + name + "', but the model has no layer of that name");
  if (prepared.calibration_rows() == 0)
    throw Error("convert() needs calibration first: run sample inputs through the prepared model's forward()");
  QuantLinearOptions options = weights;
  options.mode = ForwardMode::static_int8;
  Model out;
  out.set_metadata(prepared.model().metadata());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = layers[i];
    const bool excluded =
        std::find(modules_to_exclude.begin(), modules_to_exclude.end(), layer.name) != modules_to_exclude.end();
    const auto* linear = std::get_if<Linear>(&layer.op);
    if (excluded || !linear) {
      out.add(layer);
      continue;
    }
    QuantLinear q = QuantLinear::from_linear(*linear, options, prepared.observers()[i].calculate_qparams());
    const ErrorMetrics error = compute_error_metrics(linear->weight(), q.dequantized_weight());
    out.add(layer.name, std::move(q), layer.activation, error);
  }
  return out;
}

}  // namespace qlinear
