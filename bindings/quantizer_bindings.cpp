// Embind declarations of the quantizers and the observers. Options arrive checked and complete
// from web/package/lib/options.js; the math is the core's.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

Shape to_shape(const std::vector<int32_t>& dims) { return Shape(dims.begin(), dims.end()); }

val get_qparams(std::vector<float> x, std::vector<int32_t> shape, bool symmetric, QuantOptions o) {
  return guarded([&] { return val(symmetric ? get_symmetric_qparams(x, to_shape(shape), o) : get_asymmetric_qparams(x, to_shape(shape), o)); });
}
val quantize(std::vector<float> x, std::vector<int32_t> shape, QParams qparams) {
  return guarded([&] { return val(quantize_tensor(x, qparams, to_shape(shape))); });
}
val dequantize(std::vector<int32_t> q, std::vector<int32_t> shape, QParams qparams) {
  return guarded([&] { return val(dequantize_tensor(make_quantized_tensor(q, qparams, to_shape(shape)))); });
}
val fake_quantize(std::vector<float> x, std::vector<int32_t> shape, QParams qparams) {
  return guarded([&] { return val(fake_quantize_tensor(x, qparams, to_shape(shape))); });
}
val error_metrics(std::vector<float> reference, std::vector<float> approximation) {
  return guarded([&] { return val(compute_error_metrics(reference, approximation)); });
}
template <typename Observer>
val observe(Observer& self, std::vector<float> x, std::vector<int32_t> shape) {
  return guarded([&] { return self.observe(x, to_shape(shape)), val::undefined(); });
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
  bind_options<QuantOptions>();
  bind_options<MinMaxObserver::Options>();
  bind_options<PerChannelMinMaxObserver::Options>();
  function("_getQParams", &get_qparams);
  function("_quantize", &quantize);
  function("_dequantize", &dequantize);
  function("_fakeQuantize", &fake_quantize);
  function("_errorMetrics", &error_metrics);
  bind_observer<MinMaxObserver>("MinMaxObserver", "_checkMinMaxObserverOptions")
      .function("minVal", &MinMaxObserver::min_val)
      .function("maxVal", &MinMaxObserver::max_val);
  bind_observer<PerChannelMinMaxObserver>("PerChannelMinMaxObserver", "_checkPerChannelMinMaxObserverOptions");
}
