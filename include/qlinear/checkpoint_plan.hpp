#pragma once
// Which tensors of a checkpoint are quantized, as transformers + bitsandbytes choose them: the
// weights of every nn.Linear ([out, in]) and of transformers' Conv1D (the GPT-2 family's c_attn,
// c_proj, c_fc: [in, out]); embeddings, the output head (lm_head: tied to the embedding in GPT-2,
// kept in 16 bits by transformers in every model), norms, biases and buffers pass through. Module
// names can be excluded or included with glob patterns.
#include <cstddef>
#include <string>
#include <vector>

#include "qlinear/checkpoint_source.hpp"
#include "qlinear/names.hpp"

namespace qlinear {

enum class WeightLayout {
  linear,  // nn.Linear: [out_features, in_features]
  conv1d,  // transformers' Conv1D: [in_features, out_features]
};

template <>
struct EnumNames<WeightLayout> {
  static constexpr const char* type = "WeightLayout";
  static constexpr const char* noun = "weight layout";
  static constexpr NamedValue<WeightLayout> values[] = {
      {WeightLayout::linear, "linear", "nn.Linear: [out, in]"},
      {WeightLayout::conv1d, "conv1d", "transformers' Conv1D (GPT-2): [in, out], transposed when quantized"},
  };
};

struct PlanOptions {
  std::string config_json;           // the checkpoint's config.json, or empty
  std::vector<std::string> exclude;  // module-name patterns kept in their precision
  std::vector<std::string> include;  // if any: only modules matching one of these are quantized
};

struct TensorPlan {
  std::string name;
  std::string module;     // the PyTorch module it belongs to: its name without the last part
  bool linear = false;    // a linear layer's weight (nn.Linear or Conv1D), quantized or not
  bool quantize = false;  // converted to int8: a linear layer's weight, not excluded
  WeightLayout layout = WeightLayout::linear;
  std::size_t out_features = 0;  // when quantized
  std::size_t in_features = 0;
  std::string reason;  // why it is or is not quantized, in a few words
};

struct CheckpointPlan {
  std::string model_type;         // config.json's, or "gpt2" / "" as the key names suggest
  std::vector<TensorPlan> tensors;  // in the source's order
  std::size_t quantized_count() const;
  // The linear layers kept in their precision (excluded, or not included), which a loader must
  // be told not to convert.
  std::vector<std::string> kept_linear_modules() const;
};

// Throws for a config.json that is not a JSON object, a Conv1D weight whose shape disagrees with
// config.json's n_embd, and an exclude or include pattern that matches no module (naming it and a
// few module names that exist).
CheckpointPlan plan_checkpoint(const CheckpointSource& source, const PlanOptions& options = {});

// Module-name patterns: `*` any run of characters within one dotted part, `**` any run across
// parts, `?` one character; the whole name must match. A pattern matches a module when it matches
// the module or one of its ancestors (`transformer.h.*.attn` covers transformer.h.0.attn.c_attn).
bool module_matches(const std::string& pattern, const std::string& module);

}  // namespace qlinear
