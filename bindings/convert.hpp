#pragma once
// Conversions between JS values and core types, shared by the binding files. Nothing here
// knows quantization math; it only moves data and errors across the boundary.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <exception>
#include <new>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace qlinear::bindings {

using emscripten::val;

// Runs fn and returns its value, or, if it threw, a JS Error *object* (never a throw across the
// wasm boundary): the C++ exception is fully unwound first, so no destructor is skipped and the
// module stays usable. web/qlinear.js throws what it gets.
template <typename Fn>
val guarded(Fn&& fn) {
  std::string message;
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    message = "out of WebAssembly memory: the wasm heap could not grow for this operation";
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown C++ exception";
  }
  return val::global("Error").new_(val(message));
}

// The message of the last exception a status-returning binding caught (guarded_status), for
// the JS side to fetch with _takeError() when a call returned non-zero.
inline std::string& last_error() {
  static std::string message;
  return message;
}

// guarded() for the hot calls that take and return only numbers (no emval handles to create,
// each of which is a call into JS): 0 on success, 1 with the message kept in last_error().
template <typename Fn>
int guarded_status(Fn&& fn) {
  val error = guarded([&] { fn(); return val::undefined(); });
  if (error.isUndefined()) return 0;
  last_error() = error["message"].as<std::string>();
  return 1;
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

inline Shape to_shape(const val& array) {
  Shape shape;
  for (int32_t d : to_vector<int32_t>(array)) shape.push_back(d);
  return shape;
}

inline val from_qparams(const QParams& q) {
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

inline QParams to_qparams(const val& o) {
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

inline val from_metrics(const ErrorMetrics& m) {
  val out = val::object();
  out.set("maxAbsError", m.max_abs_error);
  out.set("mse", m.mse);
  out.set("sqnrDb", m.sqnr_db);
  out.set("cosineSimilarity", m.cosine_similarity);
  return out;
}

// Integer storage as the typed array a JS user expects: Int8Array for qint8, Uint8Array for quint8.
inline val quantized_values(const QuantizedTensor& t) {
  if (t.qparams.dtype == QuantDtype::qint8) {
    const std::vector<int8_t> v(t.storage.begin(), t.storage.end());
    return to_typed_array(v);
  }
  return to_typed_array(t.storage);
}

}  // namespace qlinear::bindings
