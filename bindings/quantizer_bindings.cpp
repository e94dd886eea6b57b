// Embind declarations of the quantizers and the observers. Options arrive checked and complete
// from web/package/lib/options.js; the math is the core's.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

Shape to_shape(const val& dims) {
  const auto d = vec<int32_t>(dims);
  return Shape(d.begin(), d.end());
}

val get_qparams(val x, val shape, bool symmetric, QuantOptions o) {
  return guarded([&] {
    const auto v = vec<float>(x);
    return val(symmetric ? get_symmetric_qparams(v, to_shape(shape), o) : get_asymmetric_qparams(v, to_shape(shape), o));
  });
}
val quantize(val x, val shape, QParams qparams) {
  return guarded([&] { return val(quantize_tensor(vec<float>(x), qparams, to_shape(shape))); });
}
val dequantize(val q, val shape, QParams qparams) {
  return guarded([&] { return val(dequantize_tensor(make_quantized_tensor(vec<int32_t>(q), qparams, to_shape(shape)))); });
}
val fake_quantize(val x, val shape, QParams qparams) {
  return guarded([&] { return val(fake_quantize_tensor(vec<float>(x), qparams, to_shape(shape))); });
}
val given(QuantDtype dtype, val scale, val zero_point, int axis) {
  return guarded([&] { return val(given_qparams(dtype, vec<float>(scale), vec<int32_t>(zero_point), axis)); });
}
val choose(val x, bool reduce_range) {
  return guarded([&] { return val(choose_qparams_per_tensor(vec<float>(x), reduce_range)); });
}
val error_metrics(val reference, val approximation) {
  return guarded([&] { return val(compute_error_metrics(vec<float>(reference), vec<float>(approximation))); });
}
template <typename Observer>
val observe(Observer& self, val x, val shape) {
  return guarded([&] { return self.observe(vec<float>(x), to_shape(shape)), val::undefined(); });
}

// JS has the options validated (_check...Options) before it constructs the observer.
template <typename Observer>
emscripten::class_<Observer> bind_observer(const char* name, const char* check_name) {
  function(check_name, &Guard<&Observer::validate>::call);
  emscripten::class_<Observer> observer(name);
  observer.template constructor<typename Observer::Options>()
      .function("_observe", &observe<Observer>)
      .function("_calculateQParams", &Guard<&Observer::calculate_qparams>::call)
      .function("hasObserved", &Observer::has_observed);
  return observer;
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_quantizers) {
  bind_value<QParams>("QParams", "scale", &QParams::scale, "zeroPoint", &QParams::zero_point, "qmin", &QParams::qmin,
                      "qmax", &QParams::qmax, "dtype", &QParams::dtype, "scheme", &QParams::scheme, "axis", &QParams::axis);
  bind_value<ErrorMetrics>("ErrorMetrics", "maxAbsError", &ErrorMetrics::max_abs_error, "mse", &ErrorMetrics::mse,
                           "sqnrDb", &ErrorMetrics::sqnr_db, "cosineSimilarity", &ErrorMetrics::cosine_similarity);
  bind_value<IntRange>("IntRange", "min", &IntRange::min, "max", &IntRange::max);
  bind_value<DynamicQParams>("DynamicQParams", "scale", &DynamicQParams::scale, "zeroPoint", &DynamicQParams::zero_point, "qmin",
                             &DynamicQParams::qmin, "qmax", &DynamicQParams::qmax);
  bind_options<QuantOptions>();
  bind_options<MinMaxObserver::Options>();
  bind_options<PerChannelMinMaxObserver::Options>();
  function("_getQParams", &get_qparams);
  function("_quantize", &quantize);
  function("_dequantize", &dequantize);
  function("_fakeQuantize", &fake_quantize);
  function("_errorMetrics", &error_metrics);
  function("_givenQParams", &given);
  function("_chooseQParamsPerTensor", &choose);
  bind_observer<MinMaxObserver>("MinMaxObserver", "_checkMinMaxObserverOptions")
      .function("minVal", &MinMaxObserver::min_val)
      .function("maxVal", &MinMaxObserver::max_val);
  bind_observer<PerChannelMinMaxObserver>("PerChannelMinMaxObserver", "_checkPerChannelMinMaxObserverOptions");
}
