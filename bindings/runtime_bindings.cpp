// Embind bindings of the wasm runtime's memory figures, for capabilities, limits and leak tests.
#include <emscripten/heap.h>
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

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_runtime) { emscripten::function("_memoryStats", &memory_stats); }
