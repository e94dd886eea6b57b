// Embind bindings of the wasm runtime's memory figures, for capabilities, limits and leak tests.
#include <emscripten/heap.h>
#include <emscripten/version.h>
#include <malloc.h>

#include "convert.hpp"

namespace {

emscripten::val memory_stats() {
  emscripten::val out = emscripten::val::object();
  out.set("inUse", static_cast<double>(mallinfo().uordblks));  // bytes malloc has handed out
  out.set("reserved", static_cast<double>(emscripten_get_heap_size()));
  out.set("limit", static_cast<double>(emscripten_get_heap_max()));
  return out;
}

// How this module was compiled, read from the compiler's own macros.
emscripten::val build_info() {
  emscripten::val out = emscripten::val::object();
#ifdef __wasm_simd128__
  out.set("simd128", true);
#else
  out.set("simd128", false);
#endif
#ifdef __EMSCRIPTEN_PTHREADS__
  out.set("threads", true);
#else
  out.set("threads", false);
#endif
  out.set("emscripten", std::to_string(__EMSCRIPTEN_major__) + "." + std::to_string(__EMSCRIPTEN_minor__) + "." +
                            std::to_string(__EMSCRIPTEN_tiny__));
  out.set("exceptions", std::string("emscripten JS-based C++ exceptions, caught at the binding boundary"));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_runtime) {
  emscripten::function("_memoryStats", &memory_stats);
  emscripten::function("_buildInfo", &build_info);
}
