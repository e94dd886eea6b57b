// Embind declarations of the quantizers and the observers. Options arrive checked and complete
// from web/package/lib/options.js; the math is the core's.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

std::vector<float> dequantize(Span<const int32_t> q, const QParams& qparams, const Shape& shape) {
  return dequantize_tensor(make_quantized_tensor(q, qparams, shape));
}

// JS has the options validated (_check...Options) before it constructs the observer.
template <typename Observer>
emscripten::class_<Observer> bind_observer(const char* name, const char* check_name) {
  function(check_name, &Guard<&Observer::validate>::call);
  emscripten::class_<Observer> observer(name);
  observer.template constructor<typename Observer::Options>()
      .function("_observe", &Guard<&Observer::observe>::call)
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
  bind_options<HistogramObserver::Options>();
  function("_getSymmetricQParams", &Guard<&get_symmetric_qparams>::call);
  function("_getAsymmetricQParams", &Guard<&get_asymmetric_qparams>::call);
  function("_quantize", &Guard<&quantize_tensor>::call);
  function("_dequantize", &Guard<&dequantize>::call);
  function("_fakeQuantize", &Guard<&fake_quantize_tensor>::call);
  function("_errorMetrics", &Guard<&compute_error_metrics>::call);
  function("_givenQParams", &Guard<&given_qparams>::call);
  function("_chooseQParamsPerTensor", &Guard<&choose_qparams_per_tensor>::call);
  bind_observer<MinMaxObserver>("MinMaxObserver", "_checkMinMaxObserverOptions")
      .function("minVal", &MinMaxObserver::min_val)
      .function("maxVal", &MinMaxObserver::max_val);
  bind_observer<PerChannelMinMaxObserver>("PerChannelMinMaxObserver", "_checkPerChannelMinMaxObserverOptions");
  bind_observer<HistogramObserver>("HistogramObserver", "_checkHistogramObserverOptions")
      .function("minVal", &HistogramObserver::min_val)
      .function("maxVal", &HistogramObserver::max_val)
      .function("histogram", &HistogramObserver::histogram);
}
