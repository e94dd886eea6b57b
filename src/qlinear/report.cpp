#include "qlinear/report.hpp"

#include <algorithm>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

LayerReport report_layer(const Layer& layer) {
  LayerReport r;
  r.name = layer.name;
  r.activation = to_string(layer.activation);
  r.in_features = layer.in_features();
  r.out_features = layer.out_features();
  r.bytes = layer.parameter_bytes();
  r.weight_error = layer.weight_error;
  if (const auto* linear = std::get_if<Linear>(&layer.op)) {
    r.kind = "linear";
    r.dtype = "float32";
    r.bytes_fp32 = linear->parameter_bytes();
    return r;
  }
  const auto& q = std::get<QuantLinear>(layer.op);
  r.kind = "quant_linear";
  const QParams qparams = q.qparams();
  r.dtype = to_string(qparams.dtype);
  r.scheme = to_string(qparams.scheme);
  r.mode = to_string(q.mode());
  if (q.mode() == ForwardMode::dynamic) r.activations = to_string(q.activation_scheme());
  if (q.mode() == ForwardMode::llm_int8) {
    r.outlier_threshold = q.outlier_threshold();
    r.last_outlier_columns = q.last_outlier_columns();
  }
  if (q.mode() == ForwardMode::static_int8) r.input_qparams = q.input_qparams();
  r.bytes_fp32 = (q.in_features() * q.out_features() + q.bias().size()) * sizeof(float);
  const std::vector<float>& scales = qparams.scale;
  r.scale_min = *std::min_element(scales.begin(), scales.end());
  r.scale_max = *std::max_element(scales.begin(), scales.end());
  return r;
}

std::size_t argmax(const float* row, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(row, row + n) - row);
}

}  // namespace

ModelReport report_model(const Model& model) {
  ModelReport report;
  for (const Layer& layer : model.layers()) {
    report.layers.push_back(report_layer(layer));
    report.bytes_fp32 += report.layers.back().bytes_fp32;
    report.bytes += report.layers.back().bytes;
  }
  return report;
}

OutputComparison compare_outputs(const Model& reference, const Model& candidate, Span<const float> x,
                                 std::ptrdiff_t batch) {
  const auto& a = reference.layers();
  const auto& b = candidate.layers();
  if (a.size() != b.size())
    throw Error("cannot compare a model of " + std::to_string(a.size()) + " layers with one of " +
                std::to_string(b.size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].in_features() != b[i].in_features() ||
        a[i].out_features() != b[i].out_features())
      throw Error("cannot compare models: layer " + std::to_string(i) + " is '" + a[i].name + "' in one and '" +
                  b[i].name + "' in the other, or their shapes differ");
  const auto ref_outputs = reference.forward_each_layer(x, batch);
  const auto cand_outputs = candidate.forward_each_layer(x, batch);
  OutputComparison c;
  c.batch = batch;
  for (std::size_t i = 0; i < a.size(); ++i) c.layer_error.push_back(compute_error_metrics(ref_outputs[i], cand_outputs[i]));
  c.output_error = c.layer_error.back();
  const std::size_t n = reference.out_features();
  std::size_t agree = 0;
  for (std::ptrdiff_t row = 0; row < batch; ++row) {
    const std::size_t offset = static_cast<std::size_t>(row) * n;
    agree += argmax(ref_outputs.back().data() + offset, n) == argmax(cand_outputs.back().data() + offset, n);
  }
  c.argmax_agreement = static_cast<double>(agree) / static_cast<double>(batch);
  return c;
}

}  // namespace qlinear
