#pragma once
// What the binding files share. The core's value types cross the boundary as JS values, declared
// once here to Embind: enums as their names (names.hpp), number vectors as typed arrays (copies),
// other vectors as arrays, optionals as the value or null, string maps as objects. With those,
// functions, members and value_object fields are bound as the core declares them. Errors come
// back as Error objects, never as a throw across the boundary. Nothing here knows quantization.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace qlinear::bindings {
using emscripten::val;
template <typename T, typename = void>
struct AsJsValue : std::false_type {};  // the types below, made JS values by Embind's own val type
template <typename T>
struct AsJsValue<std::vector<T>> : std::true_type {};
template <typename T>
struct AsJsValue<std::optional<T>> : std::true_type {};
template <>
struct AsJsValue<std::map<std::string, std::string>> : std::true_type {};
template <>
struct AsJsValue<QuantizedTensor> : std::true_type {};
template <>
struct AsJsValue<std::variant<std::monostate, bool, double, std::string>> : std::true_type {};
template <typename E>
struct AsJsValue<E, std::void_t<decltype(EnumNames<E>::values)>> : std::true_type {};

template <typename T>
val to_js(const T& v) {
  if constexpr (std::is_enum_v<T>) {
    return val(name_of(v));
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {  // shapes: an array of numbers
    val out = val::array();
    for (int64_t d : v) out.template call<void>("push", static_cast<double>(d));
    return out;
  } else if constexpr (std::is_arithmetic_v<typename T::value_type>) {  // slice(): out of the heap
    return val(emscripten::typed_memory_view(v.size(), v.data())).template call<val>("slice");
  } else {
    val out = val::array();
    for (const auto& item : v) out.template call<void>("push", val(item));
    return out;
  }
}
template <typename T>
val to_js(const std::optional<T>& v) { return v ? val(*v) : val::null(); }
// PyTorch's int_repr() with its qparams: { values: Int8Array (qint8) or Uint8Array (quint8), shape, qparams }.
inline val to_js(const QuantizedTensor& t) {
  val out = val::object();
  if (t.qparams.dtype == QuantDtype::quint8) out.set("values", to_js(t.storage));
  else out.set("values", to_js(std::vector<int8_t>(t.storage.begin(), t.storage.end())));
  out.set("shape", to_js(t.shape));
  out.set("qparams", t.qparams);
  return out;
}
inline val to_js(const std::map<std::string, std::string>& m) {
  val out = val::object();
  for (const auto& [k, v] : m) out.set(k, v);
  return out;
}
inline val to_js(const std::variant<std::monostate, bool, double, std::string>& v) {
  return std::visit([](const auto& x) {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) return val::null();
    else return val(x);
  }, v);
}

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Arguments that may be large (arrays) are taken as `val` and converted with vec() inside
// guarded(), so that running out of memory while copying them in is a reported error.
template <typename T>
std::vector<T> vec(const val& array) {
  return emscripten::convertJSArrayToNumberVector<T>(array);
}

template <typename T>
T from_js(const val& v) {
  if constexpr (std::is_enum_v<T>) return parse_name<T>(v.as<std::string>());  // checked by the JS side
  else if constexpr (IsOptional<T>::value) return v.isNull() || v.isUndefined() ? T() : T(v.as<typename T::value_type>());
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    const auto d = emscripten::convertJSArrayToNumberVector<double>(v);
    return T(d.begin(), d.end());
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>> || std::is_same_v<T, QuantizedTensor> ||
                       std::is_same_v<T, std::variant<std::monostate, bool, double, std::string>>) {
    return T();  // results only: never read back from JS
  } else if constexpr (std::is_arithmetic_v<typename T::value_type>) return emscripten::convertJSArrayToNumberVector<typename T::value_type>(v);
  else return emscripten::vecFromJSArray<typename T::value_type>(v);
}
}  // namespace qlinear::bindings

namespace emscripten::internal {
template <typename T>
struct TypeID<T, std::enable_if_t<qlinear::bindings::AsJsValue<std::remove_cv_t<std::remove_reference_t<T>>>::value>> {
  static constexpr TYPEID get() { return TypeID<val>::get(); }
};
template <typename T>
struct BindingType<T, std::enable_if_t<qlinear::bindings::AsJsValue<T>::value>> {
  using WireType = BindingType<val>::WireType;
  static WireType toWireType(const T& v) { return BindingType<val>::toWireType(qlinear::bindings::to_js(v)); }
  static T fromWireType(WireType wire) { return qlinear::bindings::from_js<T>(BindingType<val>::fromWireType(wire)); }
};
}  // namespace emscripten::internal

namespace qlinear::bindings {

// The message of the exception being handled (call it from a catch block): qlinear's own errors
// say what went wrong; out-of-memory and anything else are named in words.
inline std::string current_error_message() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return "out of WebAssembly memory: the wasm heap could not grow for this operation";
  } catch (const std::length_error&) {
    return "out of WebAssembly memory: this operation needs more than a 32-bit wasm heap can address";
  } catch (const Error& e) {
    return e.what();
  } catch (...) {
    // Any other kind, named in words (the core names what it was doing where it can).
    try {
      rethrow_as_error("qlinear");
    } catch (const Error& e) {
      return e.what();
    }
  }
  return "qlinear: an unknown error";  // not reached: rethrow_as_error always throws an Error
}

// Runs fn: its value, or, if it threw, a JS Error *object* with the message. The C++ exception is
// fully unwound first, so the module stays usable; web/package/lib/objects.js throws the Error.
template <typename Fn>
val guarded(Fn&& fn) {
  std::string message;
  try {
    return fn();
  } catch (...) {
    message = current_error_message();
  }
  return val::global("Error").new_(val(message));
}

// The message of the last exception a status-returning call caught, for _takeError().
inline std::string& last_error() {
  static std::string message;
  return message;
}

// guarded() for hot calls that take and return only numbers: 0 on success, 1 with the message
// kept for _takeError(). No emval handle is made on success: in the threaded module (JavaScript-
// emulated exceptions) a call that may throw while one is alive goes through an invoke_*
// trampoline, a JS function around the call (a forward pass had two, the try's and one for the
// handle; now only the try's).
template <typename Fn>
int guarded_status(Fn&& fn) {
  try {
    fn();
    return 0;
  } catch (...) {
    last_error() = current_error_message();
    return 1;
  }
}

// Fn bound so that it returns its result as a JS value, or the Error it threw:
// function("_f", &Guard<&f>::call), .function("_g", &Guard<&C::g>::call).
template <typename R, typename Call>
val guarded_result(Call&& call) {
  return guarded([&] {
    if constexpr (std::is_void_v<R>) return call(), val::undefined();
    else return val(call());
  });
}
// Arguments that may be large (arrays, spans) arrive as JS values and are copied into the heap
// inside the guard, so that running out of memory while copying them in is a reported error.
template <typename A>
struct Arg {
  using Wire = A;
  static A in(A a) { return static_cast<A>(a); }
};
template <typename T>
struct Arg<Span<const T>> {
  using Wire = val;
  static std::vector<T> in(const val& v) { return vec<T>(v); }
};
template <typename T>
struct Arg<std::vector<T>> {
  using Wire = val;
  static std::vector<T> in(const val& v) { return from_js<std::vector<T>>(v); }
};
template <typename T>
struct Arg<const std::vector<T>&> : Arg<std::vector<T>> {};

template <auto Fn>
struct Guard;
template <typename R, typename... A, R (*Fn)(A...)>
struct Guard<Fn> {
  static val call(typename Arg<A>::Wire... a) { return guarded_result<R>([&]() -> R { return Fn(Arg<A>::in(a)...); }); }
};
template <typename C, typename R, typename... A, R (C::*Fn)(A...)>
struct Guard<Fn> {
  static val call(C& self, typename Arg<A>::Wire... a) {
    return guarded_result<R>([&]() -> R { return (self.*Fn)(Arg<A>::in(a)...); });
  }
};
template <typename C, typename R, typename... A, R (C::*Fn)(A...) const>
struct Guard<Fn> {
  static val call(const C& self, typename Arg<A>::Wire... a) {
    return guarded_result<R>([&]() -> R { return (self.*Fn)(Arg<A>::in(a)...); });
  }
};
// A constructor that may throw, bound as a function: function("_makeT", &Guard<&construct<T, A...>>::call).
template <typename T, typename... A>
T construct(A... a) {
  return T(std::move(a)...);
}

// A forward through the heap buffer (web/package/lib/heap.js): addresses and lengths in, 0 or an
// error status out.
template <typename Self, auto Forward = &std::remove_const_t<Self>::forward_into>
int forward_into(Self& self, uintptr_t x, std::size_t x_length, int batch, uintptr_t y, std::size_t y_length) {
  return guarded_status([&] {
    (self.*Forward)({reinterpret_cast<const float*>(x), x_length}, batch, {reinterpret_cast<float*>(y), y_length});
  });
}

// value_object<Object>(name) with these fields: bind_value<QParams>("QParams", "scale", &QParams::scale, ...).
template <typename Object>
void add_fields(emscripten::value_object<Object>&) {}
template <typename Object, typename Member, typename... Rest>
void add_fields(emscripten::value_object<Object>& object, const char* name, Member member, Rest... rest) {
  object.field(name, member);
  add_fields(object, rest...);
}
template <typename Object, typename... NamesAndMembers>
void bind_value(const char* name, NamesAndMembers... names_and_members) {
  emscripten::value_object<Object> object(name);
  add_fields(object, names_and_members...);
}

// An options struct as a JS object, with the fields and names its OptionFields lists.
template <typename Options>
void bind_options() {
  emscripten::value_object<Options> object(OptionFields<Options>::group);
  OptionFields<Options>::visit([&](const char* name, auto member, auto&&...) { object.field(name, member); });
}

}  // namespace qlinear::bindings
