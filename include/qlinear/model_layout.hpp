#pragma once
// Which tensors of a PyTorch MLP state_dict are which layers, in which order, from the tensor
// names and shapes alone (no code runs, as none can from a safetensors file):
//  - nn.Sequential, at the top or under a prefix (0.weight, net.0.weight, model.layers.0.weight):
//    the layers are the indices in order, and a gap in the indices is a module without
//    parameters: an activation;
//  - named layers (fc1, fc2, fc3; encoder, head): ordered by chaining their shapes (each layer's
//    in_features is the previous one's out_features), by the numbers in their names when several
//    orders chain; the activations are in forward(), which the file does not hold, so they are
//    the caller's choice (ReLU unless told);
//  - BatchNorm1d modules (running_mean, running_var, ...) are folded into the Linear they follow
//    (or precede, with no activation between).
// Anything else is an error that prints a ready-to-edit spec.
#include <optional>
#include <string>
#include <vector>

#include "qlinear/activation.hpp"
#include "qlinear/shape.hpp"

namespace qlinear {

// The layers of a model in order. A spec is what a caller passes for a layout that cannot be
// inferred, and what inference produces.
struct ModelSpec {
  struct Entry {
    std::string name;
    Activation activation = Activation::identity;
    std::optional<std::string> batch_norm;         // a BatchNorm1d right after this Linear, folded in
    std::optional<std::string> batch_norm_before;  // a BatchNorm1d right before it, folded in
  };
  std::vector<Entry> layers;
};

// {"layers": [{"name": "fc1", "activation": "relu", "batchNorm": "bn1"}, {"name": "out"}]};
// activation defaults to identity. Throws with a clear message on anything else.
ModelSpec parse_model_spec(const std::string& json);
// The same JSON, one layer per line: what an error prints for the user to edit.
std::string to_json(const ModelSpec& spec);

struct TensorName {
  std::string name;
  Shape shape;
};

struct ModelLayout {
  std::string kind;  // "sequential", "named", "spec" (given by the caller) or "qlinear" (a file qlinear wrote)
  ModelSpec spec;
  std::string description;  // one line for people: what was inferred, and what was assumed
};

// Throws, printing a spec to edit, when the tensors are not an MLP of Linear (and BatchNorm1d)
// modules or their order cannot be told.
ModelLayout infer_layout(const std::vector<TensorName>& tensors, Activation hidden_activation,
                         Activation output_activation);

}  // namespace qlinear
