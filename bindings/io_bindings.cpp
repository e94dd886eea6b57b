// Embind declarations of safetensors loading, saving and inspection.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

// `spec`: null, or a ModelSpec's JSON text. { model, layout }: the model and how its layers were
// found in the file.
val load(val bytes, val spec, LoadOptions options) {
  return guarded([&] {
    if (!spec.isNull()) options.spec = parse_model_spec(spec.as<std::string>());
    const SafetensorsFile file = SafetensorsFile::parse(vec<uint8_t>(bytes));
    val out = val::object();
    out.set("layout", describe_layout(file, options));
    out.set("model", load_model(file, options));
    return out;
  });
}
val normalize(val x, val mean, val std, std::size_t features) {
  return guarded([&] {
    std::vector<float> values = vec<float>(x);
    normalize_inputs({vec<float>(mean), vec<float>(std), ""}, values, features);
    return val(values);
  });
}
val inspect(val bytes) {
  return guarded([&] { return val(summarize_safetensors(SafetensorsFile::parse(vec<uint8_t>(bytes)))); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_io) {
  using T = TensorSummary;
  using E = ModelSpec::Entry;
  bind_options<LoadOptions>();
  bind_value<E>("ModelSpecEntry", "name", &E::name, "activation", &E::activation, "batchNorm", &E::batch_norm, "batchNormBefore",
                &E::batch_norm_before);
  bind_value<ModelSpec>("ModelSpec", "layers", &ModelSpec::layers);
  bind_value<ModelLayout>("ModelLayout", "kind", &ModelLayout::kind, "spec", &ModelLayout::spec, "description",
                          &ModelLayout::description);
  bind_value<InputNormalization>("InputNormalization", "mean", &InputNormalization::mean, "std", &InputNormalization::std, "key",
                                 &InputNormalization::key);
  bind_value<T>("TensorSummary", "name", &T::name, "dtype", &T::dtype, "shape", &T::shape, "bytes", &T::bytes, "quantization",
                &T::quantization);
  bind_value<SafetensorsSummary>("SafetensorsSummary", "tensors", &SafetensorsSummary::tensors, "metadata",
                                 &SafetensorsSummary::metadata, "fileBytes", &SafetensorsSummary::file_bytes);
  function("_loadModel", &load);
  function("_loadModelBytes", &load_model_bytes);
  function("_saveModel", &Guard<&save_model>::call);
  function("_inspectSafetensors", &inspect);
  function("_normalizeInputs", &normalize);
}
