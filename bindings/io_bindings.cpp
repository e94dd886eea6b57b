// Embind bindings of safetensors model loading, saving and inspection. Conversions only.
#include "convert.hpp"

using namespace qlinear;
using namespace qlinear::bindings;

namespace {

val load_model_from_bytes(val bytes, val options) {
  return guarded([&] {
    LoadOptions o;
    if (!options["spec"].isNull()) o.spec = parse_model_spec(options["spec"].as<std::string>());
    o.hidden_activation = parse_activation(options["activation"].as<std::string>());
    o.output_activation = parse_activation(options["outputActivation"].as<std::string>());
    return val(load_model(SafetensorsFile::parse(to_vector<uint8_t>(bytes)), o));
  });
}

val save_model_to_bytes(const Model& model) {
  return guarded([&] { return to_typed_array(save_model(model)); });
}

val inspect_bytes(val bytes) {
  return guarded([&] {
    const SafetensorsFile file = SafetensorsFile::parse(to_vector<uint8_t>(bytes));
    val tensors = val::array();
    for (const TensorSummary& t : inspect_tensors(file)) {
      val row = val::object();
      row.set("name", t.name);
      row.set("dtype", t.dtype);
      val shape = val::array();
      for (int64_t d : t.shape) shape.call<void>("push", static_cast<double>(d));
      row.set("shape", shape);
      row.set("bytes", static_cast<double>(t.bytes));
      row.set("quantization", t.quantization.empty() ? val::null() : val(t.quantization));
      tensors.call<void>("push", row);
    }
    val metadata = val::object();
    for (const auto& [key, value] : file.metadata()) metadata.set(key, value);
    val out = val::object();
    out.set("tensors", tensors);
    out.set("metadata", metadata);
    out.set("fileBytes", static_cast<double>(file.file_size()));
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_io) {
  emscripten::function("_loadModel", &load_model_from_bytes);
  emscripten::function("_saveModel", &save_model_to_bytes);
  emscripten::function("_inspectSafetensors", &inspect_bytes);
}
