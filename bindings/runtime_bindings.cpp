// Embind declarations of the runtime: the option table, the heap buffer forward passes use, the
// memory figures and how this module was built.
#include <emscripten/heap.h>
#include <emscripten/version.h>
#include <malloc.h>

#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

val memory_stats() {
  val out = val::object();
  // Bytes malloc has handed out: an int in mallinfo, read as unsigned (the heap may pass 2 GiB).
  out.set("inUse", static_cast<double>(static_cast<unsigned>(mallinfo().uordblks)));
  out.set("reserved", emscripten_get_heap_size());
  out.set("limit", emscripten_get_heap_max());
  return out;
}

// How this module was built; `kernels` says which packaged module it is (wasm-simd128 or
// wasm-relaxed-simd).
val build_info() {
  val out = val::object();
  // Whether this module can run threads (qlinear/threads.hpp), and how many it runs.
  out.set("threads", max_threads() > 1);
  out.set("threadCount", static_cast<double>(threads()));
  out.set("simd128", true);  // the module needs it: every kernel uses it
  out.set("emscripten", std::to_string(__EMSCRIPTEN_major__) + "." + std::to_string(__EMSCRIPTEN_minor__) + "." +
                            std::to_string(__EMSCRIPTEN_tiny__));
#ifdef __EMSCRIPTEN_PTHREADS__
  out.set("exceptions", std::string("JavaScript-emulated (-fexceptions: the threaded build), caught at the binding boundary"));
#else
  out.set("exceptions", std::string("WebAssembly exception handling (-fwasm-exceptions), caught at the binding boundary"));
#endif
  out.set("kernels", std::string(kernels::packed_kernels_isa()));
  return out;
}

// The buffer JS copies forward inputs into and reads outputs from, sized by JS (heap.js). Its
// address, or 0 when the heap cannot hold it (the old one is freed either way).
uintptr_t resize_io_buffer(std::size_t floats) {
  static std::vector<float> buffer;
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

// qlinear::set_threads, its Error returned (init() calls it once, after the module's workers exist).
val set_thread_count(double count) {
  return guarded([&] {
    set_threads(static_cast<std::size_t>(count));
    return val::undefined();
  });
}

std::string take_error() { return std::exchange(last_error(), std::string()); }

val option_table() {
  val out = val::object();
  out.set("groups", val(option_groups()));
  out.set("enums", val(enum_infos()));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_runtime) {
  bind_value<NumberRange>("NumberRange", "min", &NumberRange::min, "max", &NumberRange::max, "minExclusive",
                          &NumberRange::min_exclusive);
  bind_value<OptionInfo>("OptionInfo", "name", &OptionInfo::name, "type", &OptionInfo::type, "choices", &OptionInfo::choices,
                         "default", &OptionInfo::default_value, "range", &OptionInfo::range, "note", &OptionInfo::note);
  bind_value<OptionGroup>("OptionGroup", "name", &OptionGroup::name, "options", &OptionGroup::options);
  bind_value<EnumInfo>("EnumInfo", "type", &EnumInfo::type, "names", &EnumInfo::names, "descriptions", &EnumInfo::descriptions);
  function("_optionTable", &option_table);
  function("_ioBuffer", &resize_io_buffer);
  function("_takeError", &take_error);
  function("_memoryStats", &memory_stats);
  function("_buildInfo", &build_info);
  function("_setThreads", &set_thread_count);
}
