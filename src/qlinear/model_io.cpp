#include "qlinear/model_io.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "qlinear/batch_norm.hpp"
#include "qlinear/error.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

namespace {

using Json = nlohmann::json;

constexpr const char* kModelKey = "qlinear.model";
// 2: llm-int8 / static modes, outlier_threshold, <layer>.input_scale / .input_zero_point.
// Version 1 files (no such layers) read unchanged.
constexpr const char* kFormatVersion = "2";
constexpr int kNewestFormatVersion = 2;

// Records which tensors the layers used, so leftovers can be reported.
class TensorReader {
 public:
  explicit TensorReader(const SafetensorsFile& file) : file_(file) {}

  bool has(const std::string& name) const { return file_.contains(name); }

  const TensorInfo& take(const std::string& name) {
    const TensorInfo& t = file_.tensor(name);
    used_.insert(name);
    return t;
  }

  std::vector<float> take_floats(const std::string& name) {
    const TensorInfo& t = take(name);
    std::vector<float> values = file_.to_float32(t);
    require_finite(values, ("tensor '" + name + "'").c_str());
    return values;
  }

  void require_all_used() const {
    for (const TensorInfo& t : file_.tensors())
      if (!used_.count(t.name)) throw Error("tensor '" + t.name + "' is not used by any layer of the model");
  }

  const SafetensorsFile& file() const { return file_; }

 private:
  const SafetensorsFile& file_;
  std::set<std::string> used_;
};

std::vector<float> optional_bias(TensorReader& reader, const std::string& layer, std::size_t out_features) {
  const std::string name = layer + ".bias";
  if (!reader.has(name)) return {};
  const TensorInfo& info = reader.file().tensor(name);
  if (info.shape.size() != 1 || static_cast<std::size_t>(info.shape[0]) != out_features)
    throw Error("tensor '" + name + "' has shape " + to_string(info.shape) + ", expected [" +
                std::to_string(out_features) + "]");
  return reader.take_floats(name);
}

Linear read_linear(TensorReader& reader, const std::string& layer) {
  const std::string name = layer + ".weight";
  if (!reader.has(name)) throw Error("layer '" + layer + "' has no tensor '" + name + "'");
  const TensorInfo& info = reader.file().tensor(name);
  if (info.shape.size() != 2 || info.shape[0] == 0 || info.shape[1] == 0)
    throw Error("tensor '" + name + "' has shape " + to_string(info.shape) + ", expected [out_features, in_features]");
  std::vector<float> weight = reader.take_floats(name);
  const auto out = static_cast<std::ptrdiff_t>(info.shape[0]), in = static_cast<std::ptrdiff_t>(info.shape[1]);
  return Linear(in, out, std::move(weight), optional_bias(reader, layer, static_cast<std::size_t>(out)));
}

QuantLinear read_quant_linear(TensorReader& reader, const std::string& layer, const Json& meta) {
  const std::string name = layer + ".weight";
  const TensorInfo& info = reader.take(name);
  QParams qp;
  qp.dtype = parse_dtype(meta.at("dtype").get<std::string>());
  qp.scheme = parse_qscheme(meta.at("scheme").get<std::string>());
  qp.qmin = meta.at("qmin").get<int32_t>();
  qp.qmax = meta.at("qmax").get<int32_t>();
  qp.axis = is_per_channel(qp.scheme) ? 0 : -1;
  const SafetensorsDtype expected = qp.dtype == QuantDtype::qint8 ? SafetensorsDtype::I8 : SafetensorsDtype::U8;
  if (info.dtype != expected)
    throw Error("tensor '" + name + "' is " + to_string(info.dtype) + ", but the metadata says " + to_string(qp.dtype));
  if (info.shape.size() != 2)
    throw Error("tensor '" + name + "' has shape " + to_string(info.shape) + ", expected [out_features, in_features]");
  qp.scale = reader.file().to_float32(reader.take(layer + ".weight_scale"));
  qp.zero_point = reader.file().to_int32(reader.take(layer + ".weight_zero_point"));
  QuantizedTensor weight;
  weight.shape = info.shape;
  weight.qparams = qp;
  const Span<const uint8_t> raw = reader.file().raw(info);
  weight.storage.assign(raw.begin(), raw.end());
  const auto out_features = static_cast<std::size_t>(info.shape[0]);
  // Static mode's calibrated input qparams, when the layer has them (format version 1 files
  // written before static mode have neither these tensors nor outlier_threshold).
  std::optional<QParams> input_qparams;
  if (reader.has(layer + ".input_scale")) {
    QParams in;
    in.dtype = QuantDtype::quint8;
    in.scheme = parse_qscheme(meta.at("input_scheme").get<std::string>());
    in.qmin = meta.at("input_qmin").get<int32_t>();
    in.qmax = meta.at("input_qmax").get<int32_t>();
    in.scale = reader.file().to_float32(reader.take(layer + ".input_scale"));
    in.zero_point = reader.file().to_int32(reader.take(layer + ".input_zero_point"));
    input_qparams = std::move(in);
  }
  return QuantLinear(std::move(weight), optional_bias(reader, layer, out_features),
                     parse_forward_mode(meta.at("mode").get<std::string>()),
                     parse_activation_scheme(meta.value("activations", std::string("per-row"))),
                     meta.value("outlier_threshold", kDefaultOutlierThreshold), std::move(input_qparams));
}

Model load_qlinear_layout(TensorReader& reader, const std::string& description) {
  Json layers;
  try {
    layers = Json::parse(description);
  } catch (const Json::exception& e) {
    throw Error(std::string("__metadata__ '") + kModelKey + "' is not valid JSON: " + e.what());
  }
  if (!layers.is_array()) throw Error(std::string("__metadata__ '") + kModelKey + "' must be a JSON array of layers");
  Model model;
  try {
    for (const Json& l : layers) {
      const std::string name = l.at("name").get<std::string>();
      const Activation activation = parse_activation(l.at("activation").get<std::string>());
      const std::string kind = l.at("kind").get<std::string>();
      if (kind == "linear") model.add(name, read_linear(reader, name), activation);
      else if (kind == "quant_linear") model.add(name, read_quant_linear(reader, name, l), activation);
      else throw Error("layer '" + name + "' has unknown kind '" + kind + "'");
    }
  } catch (const Json::exception& e) {
    throw Error(std::string("__metadata__ '") + kModelKey + "' is malformed: " + e.what());
  }
  return model;
}

// An nn.BatchNorm1d's state_dict entries; num_batches_tracked is a training counter, read past.
BatchNorm1d read_batch_norm(TensorReader& reader, const std::string& module, float eps) {
  BatchNorm1d bn;
  bn.running_mean = reader.take_floats(module + ".running_mean");
  bn.running_var = reader.take_floats(module + ".running_var");
  if (reader.has(module + ".weight")) bn.weight = reader.take_floats(module + ".weight");
  if (reader.has(module + ".bias")) bn.bias = reader.take_floats(module + ".bias");
  if (reader.has(module + ".num_batches_tracked")) reader.take(module + ".num_batches_tracked");
  bn.eps = eps;
  return bn;
}

// A spec entry's Linear with the BatchNorms the spec puts beside it folded in.
Linear read_layer(TensorReader& reader, const ModelSpec::Entry& e, float eps) {
  Linear linear = read_linear(reader, e.name);
  const auto fold = [&](const std::string& bn, auto&& fn) {
    if (!reader.has(bn + ".running_mean"))
      throw Error("layer '" + e.name + "': BatchNorm1d '" + bn + "' has no tensor '" + bn + ".running_mean'");
    const std::string doing = "folding BatchNorm1d '" + bn + "' into layer '" + e.name + "'";
    try {
      return while_doing(doing, [&] { return fn(read_batch_norm(reader, bn, eps)); });
    } catch (const Error& error) {
      throw Error(doing + ": " + error.what());
    }
  };
  if (e.batch_norm_before)
    linear = fold(*e.batch_norm_before, [&](const BatchNorm1d& bn) { return fold_batch_norm_before(bn, linear); });
  if (e.batch_norm) linear = fold(*e.batch_norm, [&](const BatchNorm1d& bn) { return fold_batch_norm_after(linear, bn); });
  return linear;
}

// The keys a file qlinear wrote carries about itself; the rest of __metadata__ is the model's.
bool is_format_key(const std::string& key) {
  return key == "format" || key == kModelKey || key == "qlinear.format_version";
}

Json layer_description(const Layer& layer) {
  Json l = {{"name", layer.name}, {"activation", to_string(layer.activation)}};
  if (!layer.is_quantized()) {
    l["kind"] = "linear";
    return l;
  }
  const auto& q = std::get<QuantLinear>(layer.op);
  const QParams& qp = q.qparams();
  l["kind"] = "quant_linear";
  l["dtype"] = to_string(qp.dtype);
  l["scheme"] = to_string(qp.scheme);
  l["granularity"] = is_per_channel(qp.scheme) ? "per_channel" : "per_tensor";
  l["symmetric"] = is_symmetric(qp.scheme);
  l["qmin"] = qp.qmin;
  l["qmax"] = qp.qmax;
  l["mode"] = to_string(q.mode());
  l["activations"] = to_string(q.activation_scheme());
  l["outlier_threshold"] = q.outlier_threshold();
  if (const auto& in = q.input_qparams()) {
    l["input_scheme"] = to_string(in->scheme);
    l["input_qmin"] = in->qmin;
    l["input_qmax"] = in->qmax;
  }
  return l;
}

}  // namespace

ModelLayout describe_layout(const SafetensorsFile& file, const LoadOptions& options) {
  const auto described = file.metadata().find(kModelKey);
  if (described != file.metadata().end()) {
    ModelLayout layout{"qlinear", {}, "a model qlinear saved: its layer list is in __metadata__ '" + std::string(kModelKey) + "'"};
    const Json layers = Json::parse(described->second, nullptr, /*allow_exceptions=*/false);
    if (layers.is_array())
      for (const Json& l : layers)
        if (l.is_object() && l.contains("name") && l["name"].is_string()) {
          Activation activation = Activation::identity;  // load_model reports a malformed one
          if (l.contains("activation") && l["activation"].is_string()) {
            try {
              activation = parse_activation(l["activation"].get<std::string>());
            } catch (const Error&) {
            }
          }
          layout.spec.layers.push_back({l["name"].get<std::string>(), activation, std::nullopt, std::nullopt});
        }
    return layout;
  }
  if (options.spec) {
    std::string names;
    for (const ModelSpec::Entry& e : options.spec->layers) names += (names.empty() ? "" : ", ") + e.name;
    return {"spec", *options.spec, "the layers the spec lists: " + names};
  }
  std::vector<TensorName> tensors;
  for (const TensorInfo& t : file.tensors()) tensors.push_back({t.name, t.shape});
  return infer_layout(tensors, options.hidden_activation, options.output_activation);
}

Model load_model(const SafetensorsFile& file, const LoadOptions& options) {
  TensorReader reader(file);
  Model model;
  const auto described = file.metadata().find(kModelKey);
  if (described != file.metadata().end()) {
    const auto version = file.metadata().find("qlinear.format_version");
    if (version != file.metadata().end() && version->second != "1" && version->second != "2")
      throw Error("this file is qlinear format version " + version->second + ", written by a newer qlinear; this one reads versions 1 to " +
                  std::to_string(kNewestFormatVersion));
    model = load_qlinear_layout(reader, described->second);
  } else {
    const ModelLayout layout = describe_layout(file, options);
    for (const ModelSpec::Entry& e : layout.spec.layers) model.add(e.name, read_layer(reader, e, options.batch_norm_eps), e.activation);
  }
  reader.require_all_used();
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : file.metadata())
    if (!is_format_key(key)) metadata[key] = value;
  model.set_metadata(std::move(metadata));
  return model;
}

std::vector<uint8_t> save_model(const Model& model) {
  if (model.layers().empty()) throw Error("the model has no layers to save");
  std::vector<TensorToWrite> tensors;
  Json description = Json::array();
  for (const Layer& layer : model.layers()) {
    description.push_back(layer_description(layer));
    if (const auto* linear = std::get_if<Linear>(&layer.op)) {
      tensors.push_back({layer.name + ".weight", SafetensorsDtype::F32,
                         {static_cast<int64_t>(linear->out_features()), static_cast<int64_t>(linear->in_features())},
                         to_bytes(linear->weight())});
      if (linear->has_bias())
        tensors.push_back({layer.name + ".bias", SafetensorsDtype::F32,
                           {static_cast<int64_t>(linear->out_features())}, to_bytes(linear->bias())});
      continue;
    }
    const auto& q = std::get<QuantLinear>(layer.op);
    const QParams& qp = q.qparams();
    const auto channels = static_cast<int64_t>(qp.channel_count());
    QuantizedTensor weight = q.weight();
    tensors.push_back({layer.name + ".weight",
                       qp.dtype == QuantDtype::qint8 ? SafetensorsDtype::I8 : SafetensorsDtype::U8, weight.shape,
                       std::move(weight.storage)});
    tensors.push_back({layer.name + ".weight_scale", SafetensorsDtype::F32, {channels}, to_bytes(qp.scale)});
    tensors.push_back({layer.name + ".weight_zero_point", SafetensorsDtype::I32, {channels}, to_bytes(qp.zero_point)});
    if (!q.bias().empty())
      tensors.push_back({layer.name + ".bias", SafetensorsDtype::F32, {static_cast<int64_t>(q.out_features())},
                         to_bytes(q.bias())});
    if (const auto& in = q.input_qparams()) {
      tensors.push_back({layer.name + ".input_scale", SafetensorsDtype::F32, {1}, to_bytes(in->scale)});
      tensors.push_back({layer.name + ".input_zero_point", SafetensorsDtype::I32, {1}, to_bytes(in->zero_point)});
    }
  }
  std::map<std::string, std::string> metadata = model.metadata();
  metadata["format"] = "qlinear";
  metadata["qlinear.format_version"] = kFormatVersion;
  metadata[kModelKey] = description.dump();
  return write_safetensors(tensors, metadata);
}

namespace {

// One row per tensor of a file whose header gave `tensors` and `metadata`.
template <typename Tensors, typename Bytes>
std::vector<TensorSummary> summarize_tensors(const Tensors& tensors, const std::map<std::string, std::string>& metadata,
                                             Bytes bytes_of) {
  // Informational only: a description that is not what qlinear writes is ignored here (load_model
  // reports it), so inspect still lists the tensors of any readable file.
  std::map<std::string, std::string> quantized;  // layer name -> "qint8 per_channel_symmetric weight-only"
  const auto described = metadata.find(kModelKey);
  if (described != metadata.end()) {
    const Json layers = Json::parse(described->second, nullptr, /*allow_exceptions=*/false);
    auto text = [](const Json& l, const char* key) {
      return l.contains(key) && l[key].is_string() ? l[key].get<std::string>() : std::string();
    };
    if (layers.is_array())
      for (const Json& l : layers)
        if (l.is_object() && text(l, "kind") == "quant_linear")
          quantized[text(l, "name")] = text(l, "dtype") + " " + text(l, "scheme") + " " + text(l, "mode");
  }
  std::vector<TensorSummary> rows;
  for (const auto& t : tensors) {
    TensorSummary row{t.name, to_string(t.dtype), t.shape, bytes_of(t), std::nullopt};
    const auto dot = t.name.rfind('.');
    if (dot != std::string::npos && t.name.compare(dot, std::string::npos, ".weight") == 0) {
      const auto q = quantized.find(t.name.substr(0, dot));
      if (q != quantized.end()) row.quantization = q->second;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<TensorSummary> inspect_tensors(const SafetensorsFile& file) {
  return summarize_tensors(file.tensors(), file.metadata(), [](const TensorInfo& t) { return t.byte_size(); });
}

SafetensorsSummary summarize_checkpoint(const CheckpointSource& source) {
  uint64_t size = 0;
  for (const CheckpointFile& f : source.files()) size += f.size;
  // Sizes past size_t (a 32-bit build) saturate: the summary is for people to read.
  const auto clamp = [](uint64_t v) { return static_cast<std::size_t>(std::min<uint64_t>(v, SIZE_MAX)); };
  return {summarize_tensors(source.tensors(), source.metadata(), [&](const CheckpointTensor& t) { return clamp(t.bytes); }),
          source.metadata(), clamp(size)};
}

std::size_t load_model_bytes(std::size_t file_bytes) { return saturating_mul(file_bytes, 3); }

SafetensorsSummary summarize_safetensors(const SafetensorsFile& file) {
  return {inspect_tensors(file), file.metadata(), file.file_size()};
}

}  // namespace qlinear
