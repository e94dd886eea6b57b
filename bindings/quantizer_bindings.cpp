// Embind bindings of the quantizers and observers. Like every file in bindings/ (the only
// place that includes <emscripten/bind.h>), it converts between JS values and core types and
// nothing else: ergonomics live in web/qlinear.js, the math in src/qlinear/.
#include "convert.hpp"

using namespace qlinear;
using namespace qlinear::bindings;

namespace {

QuantOptions to_quant_options(const val& o) {
  QuantOptions out;
  out.per_channel = o["perChannel"].as<bool>();
  out.axis = o["axis"].as<int>();
  out.dtype = parse_dtype(o["dtype"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.range = parse_range_variant(o["range"].as<std::string>());
  return out;
}

val get_qparams(val values, val shape, bool symmetric, val options) {
  return guarded([&] {
    const std::vector<float> x = to_vector<float>(values);
    const QuantOptions o = to_quant_options(options);
    return from_qparams(symmetric ? get_symmetric_qparams(x, to_shape(shape), o)
                                  : get_asymmetric_qparams(x, to_shape(shape), o));
  });
}

val quantize(val values, val shape, val qparams) {
  return guarded([&] {
    return quantized_values(quantize_tensor(to_vector<float>(values), to_qparams(qparams), to_shape(shape)));
  });
}

val dequantize(val qvalues, val shape, val qparams) {
  return guarded([&] {
    const QuantizedTensor t = make_quantized_tensor(to_vector<int32_t>(qvalues), to_qparams(qparams), to_shape(shape));
    return to_typed_array(dequantize_tensor(t));
  });
}

val fake_quantize(val values, val shape, val qparams) {
  return guarded([&] {
    return to_typed_array(fake_quantize_tensor(to_vector<float>(values), to_qparams(qparams), to_shape(shape)));
  });
}

val error_metrics(val reference, val approximation) {
  return guarded([&] {
    return from_metrics(compute_error_metrics(to_vector<float>(reference), to_vector<float>(approximation)));
  });
}

// ---- observers -------------------------------------------------------------------------

MinMaxObserver::Options to_min_max_options(const val& o) {
  MinMaxObserver::Options out;
  out.dtype = parse_dtype(o["dtype"].as<std::string>());
  out.qscheme = parse_qscheme(o["qscheme"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.range = parse_range_variant(o["range"].as<std::string>());
  return out;
}

PerChannelMinMaxObserver::Options to_per_channel_options(const val& o) {
  PerChannelMinMaxObserver::Options out;
  out.dtype = parse_dtype(o["dtype"].as<std::string>());
  out.qscheme = parse_qscheme(o["qscheme"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.ch_axis = o["chAxis"].as<int>();
  out.range = parse_range_variant(o["range"].as<std::string>());
  return out;
}

// The wrapper calls check_*_options first, so the constructors below never throw.
val check_min_max_options(val o) {
  return guarded([&] { MinMaxObserver::validate(to_min_max_options(o)); return val::undefined(); });
}
val check_per_channel_options(val o) {
  return guarded([&] { PerChannelMinMaxObserver::validate(to_per_channel_options(o)); return val::undefined(); });
}
MinMaxObserver* make_min_max_observer(val o) { return new MinMaxObserver(to_min_max_options(o)); }
PerChannelMinMaxObserver* make_per_channel_observer(val o) {
  return new PerChannelMinMaxObserver(to_per_channel_options(o));
}

template <typename Observer>
val observe(Observer& self, val values, val shape) {
  return guarded([&] {
    self.observe(to_vector<float>(values), to_shape(shape));
    return val::undefined();
  });
}

template <typename Observer>
val calculate_qparams(const Observer& self) {
  return guarded([&] { return from_qparams(self.calculate_qparams()); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear) {
  using emscripten::allow_raw_pointers;
  emscripten::function("_getQParams", &get_qparams);
  emscripten::function("_quantize", &quantize);
  emscripten::function("_dequantize", &dequantize);
  emscripten::function("_fakeQuantize", &fake_quantize);
  emscripten::function("_errorMetrics", &error_metrics);
  emscripten::function("_checkMinMaxObserverOptions", &check_min_max_options);
  emscripten::function("_checkPerChannelMinMaxObserverOptions", &check_per_channel_options);

  emscripten::class_<MinMaxObserver>("MinMaxObserver")
      .constructor(&make_min_max_observer, allow_raw_pointers())
      .function("_observe", &observe<MinMaxObserver>)
      .function("_calculateQParams", &calculate_qparams<MinMaxObserver>)
      .function("hasObserved", &MinMaxObserver::has_observed)
      .function("minVal", &MinMaxObserver::min_val)
      .function("maxVal", &MinMaxObserver::max_val);

  emscripten::class_<PerChannelMinMaxObserver>("PerChannelMinMaxObserver")
      .constructor(&make_per_channel_observer, allow_raw_pointers())
      .function("_observe", &observe<PerChannelMinMaxObserver>)
      .function("_calculateQParams", &calculate_qparams<PerChannelMinMaxObserver>)
      .function("hasObserved", &PerChannelMinMaxObserver::has_observed);
}
