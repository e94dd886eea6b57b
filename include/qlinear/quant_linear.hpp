#pragma once
// A linear layer with int8 weights: the integers, one scale and zero point per output channel
// (or one for the tensor), and the fp32 bias. It keeps no fp32 copy of the weights.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/linear.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/packed_weights.hpp"
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
  // LLM.int8() (bitsandbytes): each input row quantized symmetrically by its absmax to int8,
  // except the input columns holding a value with |x| >= the outlier threshold: those go
  // through an fp32 product with the matching weight columns dequantized, added to the int8
  // result. Without outliers in a call it is plain W8A8 with symmetric per-row activations.
  llm_int8,
  // Static W8A8 (PyTorch's prepare -> calibrate -> convert): one quint8 scale and zero point
  // for the layer's input, fixed by calibration (calibration.hpp); inputs outside the calibrated
  // range are clamped.
  static_int8,
};

// bitsandbytes' llm_int8_threshold default (the LLM.int8() paper's 6.0).
constexpr float kDefaultOutlierThreshold = 6.0f;
// Outlier thresholds accepted: 0 sends no column to fp32.
constexpr NumberRange kOutlierThresholdRange{0.0, 3.4028234663852886e38};

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

template <>
struct EnumNames<ForwardMode> {
  static constexpr const char* type = "ForwardMode";
  static constexpr const char* noun = "forward mode";
  static constexpr NamedValue<ForwardMode> values[] = {
      {ForwardMode::weight_only, "weight-only", "W8A32: fp32 inputs times the int8 weights (the tutorial's; a quarter of the memory)"},
      {ForwardMode::dynamic, "dynamic", "W8A8: inputs quantized on the fly, integer products (PyTorch's quantize_dynamic; the fast one)"},
      {ForwardMode::llm_int8, "llm-int8", "LLM.int8(): W8A8, with input columns holding an outlier computed in fp32 (bitsandbytes)"},
      {ForwardMode::static_int8, "static", "static W8A8: input scale fixed by calibration (prepare, calibrate, convert)"},
  };
  static constexpr NameAlias<ForwardMode> aliases[] = {
      {"weight_only", ForwardMode::weight_only}, {"w8a32", ForwardMode::weight_only}, {"w8a8", ForwardMode::dynamic},
      {"llm.int8", ForwardMode::llm_int8},       {"llm_int8", ForwardMode::llm_int8},  {"static-int8", ForwardMode::static_int8},
      {"static_int8", ForwardMode::static_int8},
  };
};

template <>
struct EnumNames<ActivationScheme> {
  static constexpr const char* type = "ActivationScheme";
  static constexpr const char* noun = "activation scheme";
  static constexpr NamedValue<ActivationScheme> values[] = {
      {ActivationScheme::per_row, "per-row", "each input row its own quint8 scale: a row's result does not depend on the batch"},
      {ActivationScheme::pytorch, "pytorch", "one 7-bit scale for the whole batch, exactly as PyTorch 1.13's dynamic Linear"},
  };
  static constexpr NameAlias<ActivationScheme> aliases[] = {{"per_row", ActivationScheme::per_row}};
};

inline std::string to_string(ForwardMode mode) { return name_of(mode); }
inline ForwardMode parse_forward_mode(const std::string& name) { return parse_name<ForwardMode>(name); }
inline std::string to_string(ActivationScheme scheme) { return name_of(scheme); }
inline ActivationScheme parse_activation_scheme(const std::string& name) { return parse_name<ActivationScheme>(name); }

// The weights' range when the options leave it unset: bitsandbytes' absmax / 127 rows for
// llm-int8, PyTorch's full range otherwise.
inline RangeVariant default_weight_range(ForwardMode mode) {
  return mode == ForwardMode::llm_int8 ? RangeVariant::restricted : RangeVariant::full;
}

// The quint8 scale and zero point of each input row of one W8A8 forward (activation_qparams).
struct ActivationQParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
};

struct QuantLinearOptions {
  bool symmetric = true;
  bool per_channel = true;  // one scale per output channel (row of the weight)
  QuantDtype dtype = QuantDtype::qint8;
  bool reduce_range = false;
  std::optional<RangeVariant> range;  // unset: default_weight_range(mode)
  ForwardMode mode = ForwardMode::weight_only;
  ActivationScheme activations = ActivationScheme::per_row;  // dynamic mode only
  float outlier_threshold = kDefaultOutlierThreshold;         // llm-int8 mode; 0 = no outlier columns
};

template <>
struct OptionFields<QuantLinearOptions> {
  static constexpr const char* group = "QuantizeOptions";
  // How the weights are quantized: all convert() takes (its layers are static).
  template <typename Visit>
  static void visit_weights(Visit&& field) {
    using O = QuantLinearOptions;
    field("symmetric", &O::symmetric);
    field("perChannel", &O::per_channel);
    field("dtype", &O::dtype);
    field("reduceRange", &O::reduce_range);
    field("range", &O::range);
  }
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = QuantLinearOptions;
    visit_weights(field);
    field("mode", &O::mode);
    field("activations", &O::activations);
    field("outlierThreshold", &O::outlier_threshold, kOutlierThresholdRange);
  }
};

class QuantLinear {
 public:
  // Quantizes `linear`'s weight with the observers of qparams.hpp (PyTorch's rules). Throws
  // for option combinations PyTorch refuses, and for dynamic mode with more than
  // kernels::kMaxW8A8InFeatures inputs (int32 accumulation could overflow). Static mode needs
  // input qparams: `input_qparams`, or make the layer through prepare/convert (calibration.hpp).
  static QuantLinear from_linear(const Linear& linear, const QuantLinearOptions& options = {},
                                 std::optional<QParams> input_qparams = std::nullopt);

  // Rebuilds a layer from stored integers and qparams (e.g. read from a file).
  QuantLinear(QuantizedTensor weight, std::vector<float> bias, ForwardMode mode,
              ActivationScheme activations = ActivationScheme::per_row,
              float outlier_threshold = kDefaultOutlierThreshold, std::optional<QParams> input_qparams = std::nullopt);

  std::vector<float> forward(Span<const float> x, std::ptrdiff_t batch) const;
  // The same into y, which must hold exactly batch × out_features values and not overlap x.
  void forward_into(Span<const float> x, std::ptrdiff_t batch, Span<float> y) const;

  // Heap bytes a forward of `batch` rows allocates besides its input and output: the padded copy
  // of the input (weight-only, when in_features is not a multiple of 16) or the quantized input
  // rows with their scales (W8A8). llm-int8 also takes 4 · out_features bytes per outlier column
  // a call finds, which no one can know beforehand.
  std::size_t forward_bytes(std::ptrdiff_t batch) const;

  ForwardMode mode() const { return mode_; }
  // Throws for static mode when the layer has no input qparams.
  void set_mode(ForwardMode mode);
  ActivationScheme activation_scheme() const { return activations_; }
  void set_activation_scheme(ActivationScheme scheme) { activations_ = scheme; }
  float outlier_threshold() const { return outlier_threshold_; }
  // >= 0 and finite; 0 turns outlier detection off (every column takes the int8 path).
  void set_outlier_threshold(float threshold);
  // How many outlier columns the last llm-int8 forward found: none before the first forward (and
  // 0 after a forward in another mode). A statistic, so forward() stays const; it is atomic, so
  // concurrent forwards on one layer stay race-free (each then sees one of the calls' counts).
  std::optional<std::size_t> last_outlier_columns() const;
  // The scale and zero point each row of x gets when a forward in the current W8A8 mode
  // quantizes it (dynamic: from x, per row or PyTorch's per tensor; static: the calibrated pair;
  // llm-int8: absmax / 127 with zero point 128), computed by the same kernels without the
  // product. Throws for weight-only mode (its input stays fp32) and for bad input as forward().
  ActivationQParams activation_qparams(Span<const float> x, std::ptrdiff_t batch) const;
  // The calibrated input qparams of static mode (per-tensor quint8), if the layer has them.
  const std::optional<QParams>& input_qparams() const { return input_qparams_; }
  // Throws unless per-tensor quint8 with a positive finite scale and zero point in [qmin, qmax].
  void set_input_qparams(QParams qparams);
  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }
  // The weight's qparams (rebuilt from the packed per-row copies: only those are kept).
  QParams qparams() const;
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
  void add_outlier_product(const float* x, std::size_t rows, Span<const std::size_t> columns, float* y) const;

  // The only copy of the integers: packed for the kernels (packed_weights.hpp).
  kernels::PackedWeights packed_;
  // The weight's qparams without their scale and zero_point vectors: the packed weights hold
  // those per row, and a second copy would be 8 bytes an output row (5% of a small model).
  QParams qparams_;
  std::vector<float> bias_;
  ForwardMode mode_;
  ActivationScheme activations_;
  float outlier_threshold_ = kDefaultOutlierThreshold;
  std::optional<QParams> input_qparams_;
  // Returns how many outlier columns (LLM.int8) it wrote to outlier_columns (in_features of room;
  // may be null in the other modes).
  std::size_t quantize_input(const float* x, std::size_t rows, uint8_t* xq, float* x_scale, int32_t* x_zero_point,
                             std::size_t* outlier_columns) const;
  // A relaxed atomic that copies like a number (QuantLinear is copied into models and files).
  struct Statistic {
    static constexpr std::int64_t kNone = -1;
    mutable std::atomic<std::int64_t> value{kNone};
    Statistic() = default;
    Statistic(const Statistic& other) : value(other.value.load(std::memory_order_relaxed)) {}
    Statistic& operator=(const Statistic& other) {
      value.store(other.value.load(std::memory_order_relaxed), std::memory_order_relaxed);
      return *this;
    }
    void set(std::size_t v) const { value.store(static_cast<std::int64_t>(v), std::memory_order_relaxed); }
  };
  Statistic last_outlier_columns_;
  std::size_t in_features_;
  std::size_t out_features_;
};

}  // namespace qlinear
