#pragma once
// An MLP: an ordered list of named layers (fp32 Linear or int8 QuantLinear), each followed by
// an activation, run on row-major [batch, features] input.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "qlinear/activation.hpp"
#include "qlinear/input_normalization.hpp"
#include "qlinear/linear.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/quant_linear.hpp"
#include "qlinear/quantize.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

struct Layer {
  std::string name;
  std::variant<Linear, QuantLinear> op;
  Activation activation = Activation::identity;
  // Set by quantize_model_weights: the quantized weight against the fp32 one it replaced.
  std::optional<ErrorMetrics> weight_error;

  bool is_quantized() const { return std::holds_alternative<QuantLinear>(op); }
  std::size_t in_features() const;
  std::size_t out_features() const;
  std::size_t parameter_bytes() const;
  std::size_t forward_bytes(std::ptrdiff_t batch) const;  // besides input and output, as the layer's
  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch) const;  // activation included
  // The same into y (exactly batch × out_features values, not overlapping x).
  void forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const;
};

class Model {
 public:
  // Appends a layer. Throws on an empty or duplicate name, or when its in_features differ from
  // the previous layer's out_features (naming both layers).
  Model& add(std::string name, Linear linear, Activation activation = Activation::identity);
  Model& add(std::string name, QuantLinear layer, Activation activation = Activation::identity,
             std::optional<ErrorMetrics> weight_error = std::nullopt);
  Model& add(Layer layer);

  // Throws on an empty model, batch <= 0, input of the wrong length, or NaN/Inf input.
  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch) const;
  // The same into y, which must hold exactly batch × out_features values and not overlap x.
  // The layers in between write to per-thread scratch buffers: no allocation once they have
  // grown to the widest layer of the largest batch.
  void forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const;
  // The output of every layer (after its activation), first to last.
  std::vector<std::vector<float>> forward_each_layer(Span<const float> x, std::ptrdiff_t batch) const;
  // Per layer, the scale and zero point each input row gets in its W8A8 forward of x
  // (QuantLinear::activation_qparams on what reaches it); none for fp32 and weight-only layers.
  std::vector<std::optional<ActivationQParams>> activation_qparams(Span<const float> x, std::ptrdiff_t batch) const;
  // The same, one after another into y: batch × (Σ out_features) values.
  void forward_each_layer_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const;
  // Heap bytes forward_into allocates for `batch` rows besides its input and output: the two
  // buffers the layers in between write to, and the most any one layer takes (SIZE_MAX when that
  // does not fit size_t, as every forward_bytes).
  std::size_t forward_bytes(std::ptrdiff_t batch) const;

  const std::vector<Layer>& layers() const { return layers_; }
  const Layer& layer(const std::string& name) const;  // throws if absent
  std::vector<std::size_t> layer_out_features() const;  // each layer's, first to last
  // The weight a layer computes with, [out, in]: fp32 as stored, or the integers dequantized.
  std::vector<float> layer_weight(const std::string& name) const;
  // A quantized layer's weight qparams; none for an fp32 layer.
  std::optional<QParams> layer_qparams(const std::string& name) const;
  // A quantized layer's weight as stored: the integers [out, in] with their qparams (PyTorch's
  // int_repr(), q_per_channel_scales(), ...); none for an fp32 layer.
  std::optional<QuantizedTensor> layer_int_repr(const std::string& name) const;
  std::size_t in_features() const;
  std::size_t out_features() const;
  std::size_t parameter_bytes() const;
  // Switches one quantized layer between weight-only and dynamic forward.
  void set_forward_mode(const std::string& layer_name, ForwardMode mode);
  // Sets one quantized layer's llm-int8 outlier threshold (see QuantLinear).
  void set_outlier_threshold(const std::string& layer_name, float threshold);
  // Sets one quantized layer's static-mode input scale and zero point (one quint8 per-tensor
  // pair, e.g. the ones PyTorch's convert() computed); the layer can then run in static mode.
  void set_input_qparams(const std::string& layer_name, QParams qparams);

  // Notes the model carries from its file's __metadata__ (architecture, preprocessing, licence)
  // to its quantized copies and the files they are saved as.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  void set_metadata(std::map<std::string, std::string> metadata) { metadata_ = std::move(metadata); }
  // Sets one key; an empty value removes it.
  void set_metadata_entry(const std::string& key, const std::string& value);
  // The preprocessing its metadata records (find_input_normalization), or none.
  std::optional<InputNormalization> input_normalization() const;
  // Records `n` under kInputNormalizationKey. Throws unless it is usable and its length is 1 or
  // divides the input features.
  void set_input_normalization(const InputNormalization& n);

 private:
  Layer* find(const std::string& name);
  std::vector<Layer> layers_;
  std::map<std::string, std::string> metadata_;
};

// The tutorial's entry point: a copy of `model` with every fp32 Linear not named in
// `modules_to_exclude` replaced by a QuantLinear. The original is left as it was. A name in
// `modules_to_exclude` that matches no layer is an error (a typo would otherwise silently keep a
// layer in fp32). The copy keeps the model's metadata.
Model quantize_model_weights(const Model& model, const QuantLinearOptions& options = {},
                             const std::vector<std::string>& modules_to_exclude = {});

}  // namespace qlinear
