// Embind bindings of the wasm runtime's memory figures, for capabilities, limits and leak tests.
#include <emscripten/heap.h>
#include <emscripten/version.h>
#include <malloc.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "qlinear/packed_weights.hpp"

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
  out.set("exceptions", std::string("WebAssembly exception handling (-fwasm-exceptions), caught at the binding boundary"));
  // Which of the two packaged modules this is (bindings/CMakeLists.txt): "wasm-simd128" or
  // "wasm-relaxed-simd".
  out.set("kernels", std::string(qlinear::kernels::packed_kernels_isa()));
  return out;
}

// One buffer in the heap that the JS side copies forward inputs into and reads outputs from
// (Model.forward), so a call passes two pointers instead of converting typed arrays through
// emval. JS decides its size (web/lib/runtime.js ioBuffer); this reallocates it to exactly that.
std::vector<float>& io_buffer() {
  static std::vector<float> buffer;
  return buffer;
}

// Returns the buffer's address, or 0 when the heap cannot hold it (the old buffer is freed either
// way, so JS must forget its address before calling this).
uintptr_t resize_io_buffer(std::size_t floats) {
  std::vector<float>& buffer = io_buffer();
  if (buffer.size() != floats) {
    buffer = std::vector<float>();  // frees the old one first
    try {
      buffer.resize(floats);
    } catch (const std::bad_alloc&) {
      return 0;
    }
  }
  return reinterpret_cast<uintptr_t>(buffer.data());
}

std::string take_error() { return std::exchange(qlinear::bindings::last_error(), std::string()); }

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_runtime) {
  emscripten::function("_ioBuffer", &resize_io_buffer);
  emscripten::function("_takeError", &take_error);
  emscripten::function("_memoryStats", &memory_stats);
  emscripten::function("_buildInfo", &build_info);
}
