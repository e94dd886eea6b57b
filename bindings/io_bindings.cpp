// Embind declarations of safetensors loading, saving and inspection.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

// `spec`: null, or a ModelSpec's JSON text.
val load(val bytes, val spec, LoadOptions options) {
  return guarded([&] {
    if (!spec.isNull()) options.spec = parse_model_spec(spec.as<std::string>());
    return val(load_model(SafetensorsFile::parse(vec<uint8_t>(bytes)), options));
  });
}
val inspect(val bytes) {
  return guarded([&] { return val(summarize_safetensors(SafetensorsFile::parse(vec<uint8_t>(bytes)))); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_io) {
  using T = TensorSummary;
  bind_options<LoadOptions>();
  bind_value<T>("TensorSummary", "name", &T::name, "dtype", &T::dtype, "shape", &T::shape, "bytes", &T::bytes, "quantization",
                &T::quantization);
  bind_value<SafetensorsSummary>("SafetensorsSummary", "tensors", &SafetensorsSummary::tensors, "metadata",
                                 &SafetensorsSummary::metadata, "fileBytes", &SafetensorsSummary::file_bytes);
  function("_loadModel", &load);
  function("_loadModelBytes", &load_model_bytes);
  function("_saveModel", &Guard<&save_model>::call);
  function("_inspectSafetensors", &inspect);
}
