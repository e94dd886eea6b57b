#pragma once
// A linear layer with int8 weights: the integers, one scale and zero point per output channel
// (or one for the tensor), and the fp32 bias. It keeps no fp32 copy of the weights.
#include <cstddef>
#include <string>
#include <vector>

#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/linear.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/qparams.hpp"
#include "qlinear/quantize.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

enum class ForwardMode {
  // W8A32: fp32 activations times dequantized weights, y = x · ((q − z)·s)ᵀ + b (the tutorial's).
  weight_only,
  // W8A8: each input row quantized to quint8 on the fly, int32 accumulation, one rescale
  // (PyTorch / ONNX Runtime quantize_dynamic semantics, with per-row activation scales).
  dynamic,
};

// The largest in_features dynamic mode accepts: int32 accumulation cannot overflow below it.
constexpr std::size_t kMaxDynamicInFeatures = kernels::kMaxW8A8InFeatures;

// How dynamic mode quantizes its input.
enum class ActivationScheme {
  // Each row with its own quint8 scale and zero point (PyTorch's affine observer rule over the
  // row): a row's output does not depend on the other rows of the batch, and an outlier row
  // costs only itself precision.
  per_row,
  // One scale for the whole batch, 7-bit, exactly as torch.ao.quantization.quantize_dynamic's
  // Linear (PyTorch 1.13): for reproducing PyTorch's numbers.
  pytorch,
};

std::string to_string(ForwardMode mode);
// "weight-only" (also "weight_only", "w8a32") or "dynamic" (also "w8a8").
ForwardMode parse_forward_mode(const std::string& name);
std::string to_string(ActivationScheme scheme);
ActivationScheme parse_activation_scheme(const std::string& name);  // "per-row" or "pytorch"

struct QuantLinearOptions {
  bool symmetric = true;
  bool per_channel = true;  // one scale per output channel (row of the weight)
  QuantDtype dtype = QuantDtype::qint8;
  bool reduce_range = false;
  RangeVariant range = RangeVariant::full;
  ForwardMode mode = ForwardMode::weight_only;
  ActivationScheme activations = ActivationScheme::per_row;  // dynamic mode only
};

class QuantLinear {
 public:
  // Quantizes `linear`'s weight with the observers of qparams.hpp (PyTorch's rules). Throws
  // for option combinations PyTorch refuses, and for dynamic mode with more than
  // kernels::kMaxW8A8InFeatures inputs (int32 accumulation could overflow).
  static QuantLinear from_linear(const Linear& linear, const QuantLinearOptions& options = {});

  // Rebuilds a layer from stored integers and qparams (e.g. read from a file).
  QuantLinear(QuantizedTensor weight, std::vector<float> bias, ForwardMode mode,
              ActivationScheme activations = ActivationScheme::per_row);

  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch) const;

  ForwardMode mode() const { return mode_; }
  void set_mode(ForwardMode mode);
  ActivationScheme activation_scheme() const { return activations_; }
  void set_activation_scheme(ActivationScheme scheme) { activations_ = scheme; }
  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }
  const QParams& qparams() const { return qparams_; }
  // The integers as stored ([out, in], unpacked): a copy, for saving and inspection.
  QuantizedTensor weight() const;
  const std::vector<float>& bias() const { return bias_; }
  std::vector<float> dequantized_weight() const { return dequantize_tensor(weight()); }
  // Bytes of the quantized parameters: integers + scales + zero points (int32) + bias.
  std::size_t parameter_bytes() const;
  // Bytes actually held in memory: the packed integers (rows padded to 16), their per-row
  // scales, zero points and sums, the qparams and the bias.
  std::size_t memory_bytes() const;

 private:
  // The only copy of the integers: packed for the kernels (kernels/packed.hpp).
  kernels::PackedWeights packed_;
  QParams qparams_;
  std::vector<float> bias_;
  ForwardMode mode_;
  ActivationScheme activations_;
  std::size_t in_features_;
  std::size_t out_features_;
};

}  // namespace qlinear
