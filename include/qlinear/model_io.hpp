#pragma once
// Models to and from safetensors files.
//
// Loading understands three layouts:
//  1. files qlinear wrote (fp32 or quantized): the layer list is in __metadata__["qlinear.model"];
//  2. a PyTorch MLP state_dict whose layout can be inferred (model_layout.hpp): nn.Sequential at
//     the top or under a prefix, named layers that chain by shape, BatchNorm1d folded in;
//  3. any other naming, with a ModelSpec that lists the layer names and activations in order.
// The file's own __metadata__ (notes, preprocessing) stays with the model and is written back.
// Saving writes quantized layers as <layer>.weight (I8/U8), <layer>.weight_scale (F32),
// <layer>.weight_zero_point (I32) and <layer>.bias (F32), the compressed-tensors naming, and
// fp32 layers as <layer>.weight / <layer>.bias (F32).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/activation.hpp"
#include "qlinear/checkpoint_source.hpp"
#include "qlinear/model.hpp"
#include "qlinear/model_layout.hpp"
#include "qlinear/safetensors.hpp"

namespace qlinear {

struct LoadOptions {
  std::optional<ModelSpec> spec;              // required for layout 3, ignored for layout 1
  Activation hidden_activation = Activation::relu;  // layout 2: the activation modules in the gaps
  Activation output_activation = Activation::identity;  // layout 2: after the last layer
  float batch_norm_eps = 1e-5f;  // BatchNorm1d's eps, which PyTorch does not save (its default)
};

// `spec` is read apart (JSON text, parse_model_spec).
template <>
struct OptionFields<LoadOptions> {
  static constexpr const char* group = "LoadOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    field("activation", &LoadOptions::hidden_activation);
    field("outputActivation", &LoadOptions::output_activation);
    field("batchNormEps", &LoadOptions::batch_norm_eps, NumberRange{0.0, 1.0});
  }
};

// Throws if the architecture cannot be found, a layer's tensors are missing or have the wrong
// shapes or dtypes, tensors are left over that no layer uses, or weights hold NaN/Inf.
Model load_model(const SafetensorsFile& file, const LoadOptions& options = {});

// Which tensors load_model reads as which layers, and why: from the header alone.
ModelLayout describe_layout(const SafetensorsFile& file, const LoadOptions& options = {});

// Memory loading a file of `file_bytes` takes at its peak: the file itself, and its tensors as
// float32, up to twice the file's size (F16 and BF16 double). SIZE_MAX when that overflows size_t.
std::size_t load_model_bytes(std::size_t file_bytes);

std::vector<uint8_t> save_model(const Model& model);

// One row per tensor for `qlinear inspect`: the equivalent of printing named_parameters() dtypes.
struct TensorSummary {
  std::string name;
  std::string dtype;
  Shape shape;
  std::size_t bytes = 0;
  std::optional<std::string> quantization;  // e.g. "qint8 per_channel_symmetric weight-only" for a quantized weight
};
std::vector<TensorSummary> inspect_tensors(const SafetensorsFile& file);

// A file at a glance: its tensors, its __metadata__ and its size in bytes.
struct SafetensorsSummary {
  std::vector<TensorSummary> tensors;
  std::map<std::string, std::string> metadata;
  std::size_t file_bytes = 0;
};
SafetensorsSummary summarize_safetensors(const SafetensorsFile& file);
// The same from the headers alone: a file, or shards, of any size.
SafetensorsSummary summarize_checkpoint(const CheckpointSource& source);

}  // namespace qlinear
