// Embind declarations of Linear, QuantLinear, Model, PreparedModel and their reports: the core's
// members bound as they are (Guard returns a throw as an Error), and the calls Embind cannot take
// directly (a throwing constructor, overloads, spans).
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

template <typename Layer>
void add_layer(Model& self, std::string name, const Layer& layer, Activation activation) {
  self.add(std::move(name), layer, activation);
}
// An empty model has no features yet: 0 rather than an error.
std::size_t model_in(const Model& self) { return self.layers().empty() ? 0 : self.in_features(); }
std::size_t model_out(const Model& self) { return self.layers().empty() ? 0 : self.out_features(); }
std::size_t layer_count(const Model& self) { return self.layers().size(); }

template <typename Layer>
emscripten::class_<Layer> bind_layer(const char* name) {
  emscripten::class_<Layer> layer(name);
  layer.function("_forwardInto", &forward_into<const Layer>)
      .function("_forwardBytes", &Layer::forward_bytes)
      .function("_weight", &Guard<&Layer::weight>::call)
      .function("_bias", &Guard<&Layer::bias>::call)
      .function("_inFeatures", &Layer::in_features)
      .function("_outFeatures", &Layer::out_features);
  return layer;
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_models) {
  using L = LayerReport;
  using C = OutputComparison;
  using O = ObserverSummary;
  bind_options<QuantLinearOptions>();
  bind_options<CalibrationOptions>();
  bind_value<ActivationQParams>("ActivationQParams", "scale", &ActivationQParams::scale, "zeroPoint", &ActivationQParams::zero_point);
  bind_value<QConfig>("QConfig", "activation", &QConfig::activation, "weight", &QConfig::weight);
  function("_defaultQConfig", &Guard<&default_qconfig>::call);
  bind_value<L>("LayerReport", "name", &L::name, "kind", &L::kind, "activation", &L::activation, "inFeatures", &L::in_features,
                "outFeatures", &L::out_features, "dtype", &L::dtype, "scheme", &L::scheme, "mode", &L::mode, "activations",
                &L::activations, "outlierThreshold", &L::outlier_threshold, "lastOutlierColumns", &L::last_outlier_columns,
                "inputQParams", &L::input_qparams, "bytesFp32", &L::bytes_fp32, "bytes", &L::bytes, "scaleMin", &L::scale_min,
                "scaleMax", &L::scale_max, "weightError", &L::weight_error);
  bind_value<ModelReport>("ModelReport", "layers", &ModelReport::layers, "bytesFp32", &ModelReport::bytes_fp32, "bytes",
                          &ModelReport::bytes);
  bind_value<C>("OutputComparison", "batch", &C::batch, "outputError", &C::output_error, "argmaxAgreement",
                &C::argmax_agreement, "layerError", &C::layer_error);
  bind_value<O>("ObserverSummary", "name", &O::layer, "observed", &O::observed, "min", &O::min_val, "max", &O::max_val,
                "qparams", &O::qparams);

  function("_makeLinear", &Guard<&construct<Linear, std::ptrdiff_t, std::ptrdiff_t, std::vector<float>, std::vector<float>>>::call);
  bind_layer<Linear>("Linear");
  function("_quantLinearFromLinear", &Guard<&QuantLinear::from_linear>::call);
  bind_layer<QuantLinear>("QuantLinear")
      .function("_qparams", &Guard<&QuantLinear::qparams>::call)
      .function("_mode", &QuantLinear::mode)
      .function("_setMode", &Guard<&QuantLinear::set_mode>::call)
      .function("_activations", &QuantLinear::activation_scheme)
      .function("_bytes", &QuantLinear::parameter_bytes)
      .function("_outlierThreshold", &QuantLinear::outlier_threshold)
      .function("_setOutlierThreshold", &Guard<&QuantLinear::set_outlier_threshold>::call)
      .function("_lastOutlierColumns", &QuantLinear::last_outlier_columns)
      .function("_inputQParams", &QuantLinear::input_qparams)
      .function("_activationQParams", &Guard<&QuantLinear::activation_qparams>::call);

  emscripten::class_<Model>("Model")
      .constructor<>()
      .function("_addLinear", &Guard<&add_layer<Linear>>::call)
      .function("_addQuantLinear", &Guard<&add_layer<QuantLinear>>::call)
      .function("_forwardInto", &forward_into<const Model>)
      .function("_forwardEachLayerInto", &forward_into<const Model, &Model::forward_each_layer_into>)
      .function("_forwardBytes", &Model::forward_bytes)
      .function("_quantize", &Guard<&quantize_model_weights>::call)
      .function("_setForwardMode", &Guard<&Model::set_forward_mode>::call)
      .function("_setOutlierThreshold", &Guard<&Model::set_outlier_threshold>::call)
      .function("_setInputQParams", &Guard<&Model::set_input_qparams>::call)
      .function("_report", &Guard<&report_model>::call)
      .function("_layerQParams", &Guard<&Model::layer_qparams>::call)
      .function("_layerWeight", &Guard<&Model::layer_weight>::call)
      .function("_layerIntRepr", &Guard<&Model::layer_int_repr>::call)
      .function("_activationQParams", &Guard<&Model::activation_qparams>::call)
      .function("_inFeatures", &model_in)
      .function("_outFeatures", &model_out)
      .function("_layerCount", &layer_count)
      .function("_layerOutFeatures", &Model::layer_out_features)
      .function("_metadata", &Model::metadata)
      .function("_setMetadataEntry", &Guard<&Model::set_metadata_entry>::call)
      .function("_inputNormalization", &Guard<&Model::input_normalization>::call)
      .function("_setInputNormalization", &Guard<&Model::set_input_normalization>::call)
      .function("_prepare", &Guard<&prepare>::call);
  emscripten::class_<PreparedModel>("PreparedModel")
      .function("_forwardInto", &forward_into<PreparedModel>)
      .function("_forwardBytes", &PreparedModel::forward_bytes)
      .function("_convert", &Guard<&convert>::call)
      .function("_observers", &Guard<&PreparedModel::observer_summaries>::call)
      .function("_calibrationRows", &PreparedModel::calibration_rows);
  function("_compareOutputs", &Guard<&compare_outputs>::call);
}
