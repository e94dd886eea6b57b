// Embind bindings: the only file that includes <emscripten/bind.h>. It converts between JS
// values and core types and nothing else; the ergonomics (defaults, option checking, throwing)
// live in web/qlinear.js, the quantization math in src/qlinear/.
//
// Every function that can fail returns either its result or a JS Error *object* (it never
// throws across the wasm boundary): the C++ exception is caught and fully unwound first, so no
// destructor is skipped and the module stays usable; web/qlinear.js throws the Error.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <exception>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

using emscripten::val;
using namespace qlinear;

namespace {

template <typename Fn>
val guarded(Fn&& fn) {
  std::string message;
  try {
    return fn();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown C++ exception";
  }
  return val::global("Error").new_(val(message));
}

// Copies a JS array or typed array into a vector (the JS wrapper has checked the element type).
template <typename T>
std::vector<T> to_vector(const val& array) {
  return emscripten::convertJSArrayToNumberVector<T>(array);
}

// A typed array that owns a copy of `data`: slice() copies out of the wasm heap, so the result
// stays valid after the vector is freed or memory grows.
template <typename T>
val to_typed_array(const std::vector<T>& data) {
  return val(emscripten::typed_memory_view(data.size(), data.data())).call<val>("slice");
}

Shape to_shape(const val& array) {
  Shape shape;
  for (int32_t d : to_vector<int32_t>(array)) shape.push_back(d);
  return shape;
}

QuantOptions to_quant_options(const val& o) {
  QuantOptions out;
  out.per_channel = o["perChannel"].as<bool>();
  out.axis = o["axis"].as<int>();
  out.dtype = parse_dtype(o["dtype"].as<std::string>());
  out.reduce_range = o["reduceRange"].as<bool>();
  out.range = parse_range_variant(o["range"].as<std::string>());
  return out;
}

val from_qparams(const QParams& q) {
  val out = val::object();
  out.set("scale", to_typed_array(q.scale));
  out.set("zeroPoint", to_typed_array(q.zero_point));
  out.set("qmin", q.qmin);
  out.set("qmax", q.qmax);
  out.set("dtype", to_string(q.dtype));
  out.set("scheme", to_string(q.scheme));
  out.set("axis", q.axis);
  return out;
}

QParams to_qparams(const val& o) {
  QParams q;
  q.scale = to_vector<float>(o["scale"]);
  q.zero_point = to_vector<int32_t>(o["zeroPoint"]);
  q.qmin = o["qmin"].as<int32_t>();
  q.qmax = o["qmax"].as<int32_t>();
  q.dtype = parse_dtype(o["dtype"].as<std::string>());
  q.scheme = parse_qscheme(o["scheme"].as<std::string>());
  q.axis = o["axis"].as<int>();
  return q;
}

val quantized_values(const QuantizedTensor& t) {
  if (t.qparams.dtype == QuantDtype::qint8) {
    const std::vector<int8_t> v(t.storage.begin(), t.storage.end());
    return to_typed_array(v);
  }
  return to_typed_array(t.storage);
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
    const ErrorMetrics m = compute_error_metrics(to_vector<float>(reference), to_vector<float>(approximation));
    val out = val::object();
    out.set("maxAbsError", m.max_abs_error);
    out.set("mse", m.mse);
    out.set("sqnrDb", m.sqnr_db);
    out.set("cosineSimilarity", m.cosine_similarity);
    return out;
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
