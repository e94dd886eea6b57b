#pragma once
// What int8 costs, layer by layer and for the whole model: sizes, schemes, scale ranges,
// weight error, and how far a quantized model's outputs are from the fp32 model's.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/metrics.hpp"
#include "qlinear/model.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

struct LayerReport {
  std::string name;
  std::string kind;  // "linear" (fp32) or "quant_linear"
  std::string activation;
  std::size_t in_features = 0;
  std::size_t out_features = 0;
  std::string dtype;   // "float32", "qint8" or "quint8"
  std::optional<std::string> scheme;       // qscheme of the weight; none for fp32
  std::optional<std::string> mode;         // forward mode; none for fp32
  std::optional<std::string> activations;  // dynamic mode's activation scheme; none otherwise
  std::optional<float> outlier_threshold;          // llm-int8 mode
  std::optional<std::size_t> last_outlier_columns;  // llm-int8 mode: found by the last forward, if any
  std::optional<QParams> input_qparams;            // static mode's calibrated input scale/zero point
  std::size_t bytes_fp32 = 0;  // weight + bias as fp32
  std::size_t bytes = 0;       // what the layer holds now
  std::optional<float> scale_min;  // over the weight's channels; none for fp32
  std::optional<float> scale_max;
  std::optional<ErrorMetrics> weight_error;
};

struct ModelReport {
  std::vector<LayerReport> layers;
  std::size_t bytes_fp32 = 0;
  std::size_t bytes = 0;
};

ModelReport report_model(const Model& model);

struct OutputComparison {
  std::ptrdiff_t batch = 0;
  ErrorMetrics output_error;             // final outputs, all rows together
  double argmax_agreement = 0.0;         // fraction of rows whose argmax is the same
  std::vector<ErrorMetrics> layer_error;  // each layer's output (after activation), errors accumulated
};

// Runs both models on x. Throws unless they have the same layer names and shapes.
OutputComparison compare_outputs(const Model& reference, const Model& candidate, Span<const float> x,
                                 std::ptrdiff_t batch);

}  // namespace qlinear
