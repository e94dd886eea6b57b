// Embind bindings of Linear, QuantLinear, Model and the report. Conversions only (see
// convert.hpp); web/qlinear.js adds the options objects, checks and errors.
#include "convert.hpp"
#include "qlinear/calibration.hpp"

using namespace qlinear;
using namespace qlinear::bindings;

namespace {

QuantLinearOptions to_quant_linear_options(const val& o) {
  QuantLinearOptions out;
  out.symmetric = o["symmetric"].as<bool>();
  out.per_channel = o["perChannel"].as<bool>();
  out.dtype = parse_dtype(o["dtype"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.range = parse_range_variant(o["range"].as<std::string>());
  out.mode = parse_forward_mode(o["mode"].as<std::string>());
  out.activations = parse_activation_scheme(o["activations"].as<std::string>());
  out.outlier_threshold = o["outlierThreshold"].as<float>();
  return out;
}

CalibrationOptions to_calibration_options(const val& o) {
  CalibrationOptions out;
  out.observer = parse_activation_observer(o["observer"].as<std::string>());
  out.qscheme = parse_qscheme(o["qscheme"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.averaging_constant = o["averagingConstant"].as<float>();
  out.percentile = o["percentile"].as<double>();
  return out;
}

std::vector<std::string> to_names(const val& array) {
  std::vector<std::string> names;
  const auto length = array["length"].as<unsigned>();
  for (unsigned i = 0; i < length; ++i) names.push_back(array[i].as<std::string>());
  return names;
}

// ---- Linear ----

val make_linear(int in_features, int out_features, val weight, val bias) {
  return guarded([&] {
    return val(Linear(in_features, out_features, to_vector<float>(weight), to_vector<float>(bias)));
  });
}

// Numbers only: x and y are heap addresses (web/lib/runtime.js ioBuffer), 0 or an error status.
template <typename Layer>
int layer_forward_into(const Layer& self, uintptr_t x, std::size_t x_length, int batch, uintptr_t y, std::size_t y_length) {
  return guarded_status([&] {
    self.forward_into({reinterpret_cast<const float*>(x), x_length}, batch, {reinterpret_cast<float*>(y), y_length});
  });
}

val linear_weight(const Linear& self) { return to_typed_array(self.weight()); }
val linear_bias(const Linear& self) { return to_typed_array(self.bias()); }
int linear_in(const Linear& self) { return static_cast<int>(self.in_features()); }
int linear_out(const Linear& self) { return static_cast<int>(self.out_features()); }

// ---- QuantLinear ----

val quant_linear_from_linear(const Linear& linear, val options) {
  return guarded([&] { return val(QuantLinear::from_linear(linear, to_quant_linear_options(options))); });
}

val quant_linear_weight(const QuantLinear& self) { return quantized_values(self.weight()); }
val quant_linear_qparams(const QuantLinear& self) { return from_qparams(self.qparams()); }
val quant_linear_bias(const QuantLinear& self) { return to_typed_array(self.bias()); }
int quant_linear_in(const QuantLinear& self) { return static_cast<int>(self.in_features()); }
int quant_linear_out(const QuantLinear& self) { return static_cast<int>(self.out_features()); }
std::string quant_linear_mode(const QuantLinear& self) { return to_string(self.mode()); }
std::string quant_linear_activations(const QuantLinear& self) { return to_string(self.activation_scheme()); }
val quant_linear_set_mode(QuantLinear& self, std::string mode) {
  return guarded([&] { self.set_mode(parse_forward_mode(mode)); return val::undefined(); });
}
int quant_linear_bytes(const QuantLinear& self) { return static_cast<int>(self.parameter_bytes()); }
float quant_linear_outlier_threshold(const QuantLinear& self) { return self.outlier_threshold(); }
val quant_linear_set_outlier_threshold(QuantLinear& self, float threshold) {
  return guarded([&] { self.set_outlier_threshold(threshold); return val::undefined(); });
}
val quant_linear_last_outlier_columns(const QuantLinear& self) {
  const auto n = self.last_outlier_columns();
  return n ? val(static_cast<double>(*n)) : val::null();
}
val quant_linear_input_qparams(const QuantLinear& self) {
  return self.input_qparams() ? from_qparams(*self.input_qparams()) : val::null();
}

// ---- Model ----

val model_add_linear(Model& self, std::string name, const Linear& linear, std::string activation) {
  return guarded([&] { self.add(std::move(name), linear, parse_activation(activation)); return val::undefined(); });
}

val model_add_quant_linear(Model& self, std::string name, const QuantLinear& layer, std::string activation) {
  return guarded([&] { self.add(std::move(name), layer, parse_activation(activation)); return val::undefined(); });
}

// Model.forward: x_length floats at x in, batch × out_features floats out at y (both in the
// heap, see _ioBuffer). Returns 0, or 1 with the error kept for _takeError().
int model_forward_into(const Model& self, uintptr_t x, std::size_t x_length, int batch, uintptr_t y,
                       std::size_t y_length) {
  return guarded_status([&] {
    self.forward_into({reinterpret_cast<const float*>(x), x_length}, batch, {reinterpret_cast<float*>(y), y_length});
  });
}

val model_forward_each_layer(const Model& self, val x, int batch) {
  return guarded([&] {
    val outputs = val::array();
    for (const auto& y : self.forward_each_layer(to_vector<float>(x), batch)) outputs.call<void>("push", to_typed_array(y));
    return outputs;
  });
}

val model_quantize(const Model& self, val options, val exclude) {
  return guarded([&] { return val(quantize_model_weights(self, to_quant_linear_options(options), to_names(exclude))); });
}

// ---- static calibration ----

val model_prepare(const Model& self, val options) {
  return guarded([&] { return val(prepare(self, to_calibration_options(options))); });
}

val prepared_forward(PreparedModel& self, val x, int batch) {
  return guarded([&] { return to_typed_array(self.forward(to_vector<float>(x), batch)); });
}

val prepared_convert(const PreparedModel& self, val options, val exclude) {
  return guarded([&] { return val(convert(self, to_quant_linear_options(options), to_names(exclude))); });
}

val prepared_observers(const PreparedModel& self) {
  return guarded([&] {
    val out = val::array();
    const auto& layers = self.model().layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const ActivationObserver& o = self.observers()[i];
      val entry = val::object();
      entry.set("name", layers[i].name);
      entry.set("observed", o.has_observed());
      entry.set("min", o.has_observed() ? val(o.min_val()) : val::null());
      entry.set("max", o.has_observed() ? val(o.max_val()) : val::null());
      entry.set("qparams", o.has_observed() ? from_qparams(o.calculate_qparams()) : val::null());
      out.call<void>("push", entry);
    }
    return out;
  });
}

double prepared_rows(const PreparedModel& self) { return static_cast<double>(self.calibration_rows()); }

val model_set_forward_mode(Model& self, std::string layer, std::string mode) {
  return guarded([&] { self.set_forward_mode(layer, parse_forward_mode(mode)); return val::undefined(); });
}

val model_set_outlier_threshold(Model& self, std::string layer, float threshold) {
  return guarded([&] { self.set_outlier_threshold(layer, threshold); return val::undefined(); });
}

val optional_metrics(const std::optional<ErrorMetrics>& m) { return m ? from_metrics(*m) : val::null(); }

val model_report(const Model& self) {
  return guarded([&] {
    const ModelReport r = report_model(self);
    val layers = val::array();
    for (const LayerReport& l : r.layers) {
      val o = val::object();
      o.set("name", l.name);
      o.set("kind", l.kind);
      o.set("activation", l.activation);
      o.set("inFeatures", static_cast<double>(l.in_features));
      o.set("outFeatures", static_cast<double>(l.out_features));
      o.set("dtype", l.dtype);
      o.set("scheme", l.scheme.empty() ? val::null() : val(l.scheme));
      o.set("mode", l.mode.empty() ? val::null() : val(l.mode));
      o.set("activations", l.activations.empty() ? val::null() : val(l.activations));
      o.set("outlierThreshold", l.outlier_threshold ? val(*l.outlier_threshold) : val::null());
      o.set("lastOutlierColumns",
            l.last_outlier_columns ? val(static_cast<double>(*l.last_outlier_columns)) : val::null());
      o.set("inputQParams", l.input_qparams ? from_qparams(*l.input_qparams) : val::null());
      o.set("bytesFp32", static_cast<double>(l.bytes_fp32));
      o.set("bytes", static_cast<double>(l.bytes));
      o.set("scaleMin", l.kind == "linear" ? val::null() : val(l.scale_min));
      o.set("scaleMax", l.kind == "linear" ? val::null() : val(l.scale_max));
      o.set("weightError", optional_metrics(l.weight_error));
      layers.call<void>("push", o);
    }
    val out = val::object();
    out.set("layers", layers);
    out.set("bytesFp32", static_cast<double>(r.bytes_fp32));
    out.set("bytes", static_cast<double>(r.bytes));
    return out;
  });
}

val model_compare_outputs(const Model& reference, const Model& candidate, val x, int batch) {
  return guarded([&] {
    const OutputComparison c = compare_outputs(reference, candidate, to_vector<float>(x), batch);
    val layer_error = val::array();
    for (const ErrorMetrics& m : c.layer_error) layer_error.call<void>("push", from_metrics(m));
    val out = val::object();
    out.set("batch", static_cast<double>(c.batch));
    out.set("outputError", from_metrics(c.output_error));
    out.set("argmaxAgreement", c.argmax_agreement);
    out.set("layerError", layer_error);
    return out;
  });
}

val model_layer_qparams(const Model& self, std::string name) {
  return guarded([&] {
    const Layer& layer = self.layer(name);
    return layer.is_quantized() ? from_qparams(std::get<QuantLinear>(layer.op).qparams()) : val::null();
  });
}

// The weight a layer computes with: fp32 as stored, or the int8 weight dequantized.
val model_layer_weight(const Model& self, std::string name) {
  return guarded([&] {
    const Layer& layer = self.layer(name);
    if (const auto* linear = std::get_if<Linear>(&layer.op)) return to_typed_array(linear->weight());
    return to_typed_array(std::get<QuantLinear>(layer.op).dequantized_weight());
  });
}

int model_in(const Model& self) { return self.layers().empty() ? 0 : static_cast<int>(self.in_features()); }
int model_out(const Model& self) { return self.layers().empty() ? 0 : static_cast<int>(self.out_features()); }
int model_layer_count(const Model& self) { return static_cast<int>(self.layers().size()); }

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_model) {
  emscripten::function("_makeLinear", &make_linear);
  emscripten::class_<Linear>("Linear")
      .function("_forwardInto", &layer_forward_into<Linear>)
      .function("_weight", &linear_weight)
      .function("_bias", &linear_bias)
      .function("_inFeatures", &linear_in)
      .function("_outFeatures", &linear_out);

  emscripten::function("_quantLinearFromLinear", &quant_linear_from_linear);
  emscripten::class_<QuantLinear>("QuantLinear")
      .function("_forwardInto", &layer_forward_into<QuantLinear>)
      .function("_weight", &quant_linear_weight)
      .function("_qparams", &quant_linear_qparams)
      .function("_bias", &quant_linear_bias)
      .function("_inFeatures", &quant_linear_in)
      .function("_outFeatures", &quant_linear_out)
      .function("_mode", &quant_linear_mode)
      .function("_setMode", &quant_linear_set_mode)
      .function("_activations", &quant_linear_activations)
      .function("_bytes", &quant_linear_bytes)
      .function("_outlierThreshold", &quant_linear_outlier_threshold)
      .function("_setOutlierThreshold", &quant_linear_set_outlier_threshold)
      .function("_lastOutlierColumns", &quant_linear_last_outlier_columns)
      .function("_inputQParams", &quant_linear_input_qparams);

  emscripten::class_<Model>("Model")
      .constructor<>()
      .function("_addLinear", &model_add_linear)
      .function("_addQuantLinear", &model_add_quant_linear)
      .function("_forwardInto", &model_forward_into)
      .function("_forwardEachLayer", &model_forward_each_layer)
      .function("_quantize", &model_quantize)
      .function("_setForwardMode", &model_set_forward_mode)
      .function("_setOutlierThreshold", &model_set_outlier_threshold)
      .function("_report", &model_report)
      .function("_layerQParams", &model_layer_qparams)
      .function("_layerWeight", &model_layer_weight)
      .function("_inFeatures", &model_in)
      .function("_outFeatures", &model_out)
      .function("_layerCount", &model_layer_count)
      .function("_prepare", &model_prepare);
  emscripten::class_<PreparedModel>("PreparedModel")
      .function("_forward", &prepared_forward)
      .function("_convert", &prepared_convert)
      .function("_observers", &prepared_observers)
      .function("_calibrationRows", &prepared_rows);
  emscripten::function("_compareOutputs", &model_compare_outputs);
}
