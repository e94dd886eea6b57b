// Embind declarations of the streaming checkpoint quantizer. Files are read and the output is
// written by JS functions (web/package/lib/checkpoint.js) that move the bytes straight between the
// heap and the file, and that return an error message rather than throw through wasm frames.
#include "embind.hpp"

using namespace qlinear;
using namespace qlinear::bindings;
using emscripten::function;

namespace {

// fn(offset, length, address) fills the heap at `address`; '' or what went wrong.
CheckpointFile js_file(const val& f) {
  const val read = f["read"];
  return {f["name"].as<std::string>(), static_cast<uint64_t>(f["size"].as<double>()),
          [read](uint64_t offset, Span<uint8_t> out) {
            const auto error = read(static_cast<double>(offset), out.size(), reinterpret_cast<uintptr_t>(out.data())).as<std::string>();
            if (!error.empty()) throw Error(error);
          }};
}

val open(val files, val index_name, val index_json) {
  return guarded([&] {
    std::vector<CheckpointFile> list;
    for (unsigned i = 0, n = files["length"].as<unsigned>(); i < n; ++i) list.push_back(js_file(files[i]));
    if (index_json.isNull()) return val(CheckpointSource::open(std::move(list.at(0))));
    return val(CheckpointSource::open_sharded(index_name.as<std::string>(), index_json.as<std::string>(), std::move(list)));
  });
}

val tensors(const CheckpointSource& self) {
  val out = val::array();
  for (const CheckpointTensor& t : self.tensors()) {
    val row = val::object();
    row.set("name", t.name);
    row.set("dtype", to_string(t.dtype));
    row.set("shape", val(t.shape));
    row.set("bytes", static_cast<double>(t.bytes));
    row.set("file", self.files()[t.file].name);
    out.call<void>("push", row);
  }
  return out;
}

// write(address, length) takes the bytes from the heap; progress(report) after each tensor.
val quantize(const CheckpointSource& self, CheckpointPlan plan, CheckpointWriteOptions options, val write, val progress) {
  return guarded([&] {
    const auto sink = [&](Span<const uint8_t> bytes) {
      const auto error = write(reinterpret_cast<uintptr_t>(bytes.data()), bytes.size()).as<std::string>();
      if (!error.empty()) throw Error(error);
    };
    const auto report = [&](const CheckpointProgress& p) {
      val r = val::object();
      r.set("tensor", p.tensor);
      r.set("bytesWritten", static_cast<double>(p.bytes_written));
      r.set("bytesTotal", static_cast<double>(p.bytes_total));
      r.set("layer", val(p.layer));
      progress(r);
    };
    return val(static_cast<double>(quantize_checkpoint(self, plan, options, sink, report)));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(qlinear_checkpoints) {
  using P = TensorPlan;
  using Q = LayerQuantization;
  bind_options<CheckpointWriteOptions>();
  bind_value<P>("TensorPlan", "name", &P::name, "module", &P::module, "linear", &P::linear, "quantize", &P::quantize, "layout", &P::layout,
                "outFeatures", &P::out_features, "inFeatures", &P::in_features, "reason", &P::reason);
  bind_value<CheckpointPlan>("CheckpointPlan", "modelType", &CheckpointPlan::model_type, "tensors", &CheckpointPlan::tensors);
  bind_value<Q>("LayerQuantization", "module", &Q::module, "outFeatures", &Q::out_features, "inFeatures", &Q::in_features,
                "scaleMin", &Q::scale_min, "scaleMax", &Q::scale_max, "error", &Q::error);
  bind_value<PlanOptions>("PlanOptions", "config", &PlanOptions::config_json, "exclude", &PlanOptions::exclude, "include",
                          &PlanOptions::include);
  function("_openCheckpoint", &open);
  emscripten::class_<CheckpointSource>("CheckpointSource")
      .function("_tensors", &tensors)
      .function("_metadata", &CheckpointSource::metadata)
      .function("_summary", &Guard<&summarize_checkpoint>::call)
      .function("_plan", &Guard<&plan_checkpoint>::call)
      .function("_quantize", &quantize);
  function("_quantizationConfig", &Guard<&quantization_config>::call);
}
