#include "qlinear/model.hpp"

#include <algorithm>
#include <atomic>

#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/kernels/scratch.hpp"

namespace qlinear {

std::size_t Layer::in_features() const {
  return std::visit([](const auto& op) { return op.in_features(); }, op);
}

std::size_t Layer::out_features() const {
  return std::visit([](const auto& op) { return op.out_features(); }, op);
}

std::size_t Layer::parameter_bytes() const {
  return std::visit([](const auto& op) { return op.parameter_bytes(); }, op);
}

std::size_t Layer::forward_bytes(std::ptrdiff_t batch) const {
  return std::visit([&](const auto& op) { return op.forward_bytes(batch); }, op);
}

std::vector<float> Layer::forward(Span<const float> x, std::ptrdiff_t batch) const {
  std::vector<float> y(batch > 0 ? static_cast<std::size_t>(batch) * out_features() : 0);
  forward_into(x, batch, y);  // checks the input
  return y;
}

void Layer::forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const {
  std::visit([&](const auto& op) { op.forward_into(x, batch, y); }, op);
  // The activation, then a check that the output is finite: finite weights and inputs can still
  // overflow float32; say where, rather than let the next layer blame its input or return Inf to
  // the caller. One pass over each block of batch rows while it is in cache, on the kernels'
  // threads (serial, these passes were a twentieth of a two-thread forward); the error is thrown here.
  const auto rows = static_cast<std::size_t>(batch);
  const std::size_t features = out_features();
  std::atomic<bool> finite{true};
  kernels::for_each_row_block(rows, features * kernels::kMacsPerElement, 1, [&](std::size_t b0, std::size_t b1) {
    const Span<float> block(y.data() + b0 * features, (b1 - b0) * features);
    apply_activation(activation, block, b1 - b0, features);
    if (!all_finite(block)) finite.store(false, std::memory_order_relaxed);
  });
  if (!finite.load(std::memory_order_relaxed)) require_finite(y, ("output of layer '" + name + "'").c_str());
}

Model& Model::add(std::string name, Linear linear, Activation activation) {
  return add(Layer{std::move(name), std::move(linear), activation, std::nullopt});
}

Model& Model::add(std::string name, QuantLinear layer, Activation activation, std::optional<ErrorMetrics> weight_error) {
  return add(Layer{std::move(name), std::move(layer), activation, weight_error});
}

Model& Model::add(Layer layer) {
  if (layer.name.empty()) throw Error("a layer needs a name");
  for (const Layer& existing : layers_)
    if (existing.name == layer.name) throw Error("the model already has a layer named '" + layer.name + "'");
  if (!layers_.empty() && layers_.back().out_features() != layer.in_features())
    throw Error("layer '" + layer.name + "' takes " + std::to_string(layer.in_features()) + " inputs, but '" +
                layers_.back().name + "' before it gives " + std::to_string(layers_.back().out_features()));
  layers_.push_back(std::move(layer));
  return *this;
}

std::vector<float> Model::forward(Span<const float> x, std::ptrdiff_t batch) const {
  if (layers_.empty()) throw Error("the model has no layers");
  std::vector<float> y(batch > 0 ? static_cast<std::size_t>(batch) * out_features() : 0);
  forward_into(x, batch, y);  // checks the input
  return y;
}

void Model::forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const {
  if (layers_.empty()) throw Error("the model has no layers");
  // Layer i reads the previous layer's output and writes the next one's input: two scratch
  // buffers in turn, then y for the last layer. (A malloc, a zeroing and a free per layer were
  // a measurable part of a small model's forward.)
  const std::size_t rows = batch > 0 ? static_cast<std::size_t>(batch) : 0;
  Span<const float> input = x;
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) {
    const auto slot = i % 2 == 0 ? kernels::ScratchSlot::model_activations_a : kernels::ScratchSlot::model_activations_b;
    const Span<float> out(kernels::scratch<float>(slot, rows * layers_[i].out_features()), rows * layers_[i].out_features());
    layers_[i].forward_into(input, batch, out);
    input = out;
  }
  layers_.back().forward_into(input, batch, y);
}

std::vector<std::vector<float>> Model::forward_each_layer(Span<const float> x, std::ptrdiff_t batch) const {
  if (layers_.empty()) throw Error("the model has no layers");
  std::vector<std::vector<float>> outputs;
  outputs.reserve(layers_.size());
  outputs.push_back(layers_.front().forward(x, batch));
  for (std::size_t i = 1; i < layers_.size(); ++i) outputs.push_back(layers_[i].forward(outputs.back(), batch));
  return outputs;
}

void Model::forward_each_layer_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const {
  if (layers_.empty()) throw Error("the model has no layers");
  const std::size_t rows = batch > 0 ? static_cast<std::size_t>(batch) : 0;
  std::size_t total = 0;
  for (const Layer& l : layers_) total += rows * l.out_features();
  check_forward_input(x, batch, in_features(), "Model");
  if (y.size() != total)
    throw Error("Model forward_each_layer: the output has room for " + std::to_string(y.size()) + " values, but batch " +
                std::to_string(batch) + " needs " + std::to_string(total) + " for all the layers' outputs");
  Span<const float> input = x;
  float* at = y.data();
  for (const Layer& l : layers_) {
    const Span<float> out(at, rows * l.out_features());
    l.forward_into(input, batch, out);
    input = out;
    at += out.size();
  }
}

std::size_t Model::forward_bytes(std::ptrdiff_t batch) const {
  const std::size_t rows = batch > 0 ? static_cast<std::size_t>(batch) : 0;
  std::size_t widest_between = 0, layer_most = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (i + 1 < layers_.size()) widest_between = std::max(widest_between, layers_[i].out_features());
    layer_most = std::max(layer_most, layers_[i].forward_bytes(batch));
  }
  return saturating_add(saturating_mul(saturating_mul(rows, widest_between), 2 * sizeof(float)), layer_most);
}

Layer* Model::find(const std::string& name) {
  for (Layer& l : layers_)
    if (l.name == name) return &l;
  return nullptr;
}

const Layer& Model::layer(const std::string& name) const {
  for (const Layer& l : layers_)
    if (l.name == name) return l;
  throw Error("the model has no layer named '" + name + "'");
}

std::vector<std::size_t> Model::layer_out_features() const {
  std::vector<std::size_t> out;
  for (const Layer& l : layers_) out.push_back(l.out_features());
  return out;
}

std::vector<float> Model::layer_weight(const std::string& name) const {
  const Layer& l = layer(name);
  if (const auto* linear = std::get_if<Linear>(&l.op)) return linear->weight();
  return std::get<QuantLinear>(l.op).dequantized_weight();
}

std::optional<QParams> Model::layer_qparams(const std::string& name) const {
  const Layer& l = layer(name);
  if (!l.is_quantized()) return std::nullopt;
  return std::get<QuantLinear>(l.op).qparams();
}

std::optional<QuantizedTensor> Model::layer_int_repr(const std::string& name) const {
  const Layer& l = layer(name);
  if (!l.is_quantized()) return std::nullopt;
  return std::get<QuantLinear>(l.op).weight();
}

std::size_t Model::in_features() const {
  if (layers_.empty()) throw Error("the model has no layers");
  return layers_.front().in_features();
}

std::size_t Model::out_features() const {
  if (layers_.empty()) throw Error("the model has no layers");
  return layers_.back().out_features();
}

std::size_t Model::parameter_bytes() const {
  std::size_t total = 0;
  for (const Layer& l : layers_) total += l.parameter_bytes();
  return total;
}

void Model::set_forward_mode(const std::string& layer_name, ForwardMode mode) {
  Layer* target = find(layer_name);
  if (!target) throw Error("the model has no layer named '" + layer_name + "'");
  if (!target->is_quantized())
    throw Error("layer '" + layer_name + "' is fp32: only quantized layers have a forward mode");
  std::get<QuantLinear>(target->op).set_mode(mode);
}

void Model::set_outlier_threshold(const std::string& layer_name, float threshold) {
  Layer* target = find(layer_name);
  if (!target) throw Error("the model has no layer named '" + layer_name + "'");
  if (!target->is_quantized())
    throw Error("layer '" + layer_name + "' is fp32: only quantized layers have an outlier threshold");
  std::get<QuantLinear>(target->op).set_outlier_threshold(threshold);
}

void Model::set_input_qparams(const std::string& layer_name, QParams qparams) {
  Layer* target = find(layer_name);
  if (!target) throw Error("the model has no layer named '" + layer_name + "'");
  if (!target->is_quantized())
    throw Error("layer '" + layer_name + "' is fp32: only quantized layers have input qparams");
  std::get<QuantLinear>(target->op).set_input_qparams(std::move(qparams));
}

void Model::set_metadata_entry(const std::string& key, const std::string& value) {
  if (key.empty()) throw Error("a metadata key must not be empty");
  if (value.empty()) metadata_.erase(key);
  else metadata_[key] = value;
}

Model quantize_model_weights(const Model& model, const QuantLinearOptions& options,
                             const std::vector<std::string>& modules_to_exclude) {
  const auto& layers = model.layers();
  for (const std::string& name : modules_to_exclude) {
    if (std::none_of(layers.begin(), layers.end(), [&](const Layer& l) { return l.name == name; })) {
      std::string names;
      for (const Layer& l : layers) names += (names.empty() ? "" : ", ") + l.name;
      throw Error("modules_to_exclude names '" + name + "', but the model has no layer of that name (its layers: " + names + ")");
    }
  }
  Model out;
  out.set_metadata(model.metadata());
  for (const Layer& layer : layers) {
    const bool excluded =
        std::find(modules_to_exclude.begin(), modules_to_exclude.end(), layer.name) != modules_to_exclude.end();
    if (excluded) {
      out.add(layer);
      continue;
    }
    // Quantizing int8 weights again would compound their error and could not honour other
    // options (a per-tensor affine request on per-channel symmetric integers): refused.
    if (layer.is_quantized())
      throw Error("layer '" + layer.name + "' is int8 already (a quantized model or file): quantizing it again would " +
                  "compound its error. Quantize the fp32 checkpoint, or exclude '" + layer.name + "' to keep it as it is");
    const auto* linear = std::get_if<Linear>(&layer.op);
    QuantLinear q = QuantLinear::from_linear(*linear, options);
    const ErrorMetrics error = compute_error_metrics(linear->weight(), q.dequantized_weight());
    out.add(layer.name, std::move(q), layer.activation, error);
  }
  return out;
}

std::vector<std::optional<ActivationQParams>> Model::activation_qparams(Span<const float> x, std::ptrdiff_t batch) const {
  if (layers_.empty()) throw Error("the model has no layers");
  std::vector<std::optional<ActivationQParams>> out;
  std::vector<float> h(x.data(), x.data() + x.size());
  for (const Layer& l : layers_) {
    const auto* q = std::get_if<QuantLinear>(&l.op);
    if (q && q->mode() != ForwardMode::weight_only) out.emplace_back(q->activation_qparams(h, batch));
    else out.emplace_back();
    h = l.forward(h, batch);
  }
  return out;
}

std::optional<InputNormalization> Model::input_normalization() const { return find_input_normalization(metadata_); }

void Model::set_input_normalization(const InputNormalization& n) {
  check_input_normalization(n);
  const std::size_t k = n.mean.size(), features = layers_.empty() ? 0 : in_features();
  if (features != 0 && k != 1 && features % k != 0)
    throw Error("an input normalization of " + std::to_string(k) + " values does not divide the model's " + std::to_string(features) +
                " input features");
  set_metadata_entry(kInputNormalizationKey, to_json(n));
}

}  // namespace qlinear
