#pragma once
// A checkpoint quantized as it streams: the output's header is written first (every size follows
// from the plan), then each tensor in the source's order, through a write callback. A tensor that
// is quantized is held once in float32 with its int8 copy; every other tensor is copied in chunks.
// Peak memory: the largest quantized tensor in float32 plus its int8, plus a 16 MiB chunk.
//
// Output formats, each the state dict a Python library loads:
//  - bitsandbytes: per converted module weight (I8 [out, in], Conv1D transposed), SCB (F32
//    [out], the row absmax of the float16 weight) and weight_format (U8 scalar 0, "row"): what
//    transformers saves for a load_in_8bit model. The other floating tensors become float16
//    (keep_dtype keeps theirs), as transformers does without a torch_dtype.
//  - compressed-tensors: weight (I8 [out, in]) and weight_scale (F32 [out, 1]), symmetric per
//    channel (absmax / 127.5), the "int-quantized" W8A8 layout vLLM loads; the other tensors as
//    they were; compressed_tensors_config() is the quantization_config for config.json.
//  - qlinear: weight (I8 or U8 [out, in]), weight_scale and weight_zero_point (F32 / I32, one per
//    channel or one), as QuantizeOptions say (PyTorch's observers); the other tensors as they were.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/checkpoint_plan.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/names.hpp"
#include "qlinear/quant_linear.hpp"

namespace qlinear {

enum class CheckpointFormat { bitsandbytes, compressed_tensors, qlinear };

template <>
struct EnumNames<CheckpointFormat> {
  static constexpr const char* type = "CheckpointFormat";
  static constexpr const char* noun = "checkpoint format";
  static constexpr NamedValue<CheckpointFormat> values[] = {
      {CheckpointFormat::bitsandbytes, "bitsandbytes", "transformers + bitsandbytes load_in_8bit: weight, SCB, weight_format"},
      {CheckpointFormat::compressed_tensors, "compressed-tensors", "vLLM's int-quantized W8A8: weight, weight_scale"},
      {CheckpointFormat::qlinear, "qlinear", "qlinear's own: weight, weight_scale, weight_zero_point, any scheme"},
  };
};

struct CheckpointWriteOptions {
  CheckpointFormat format = CheckpointFormat::bitsandbytes;
  bool keep_dtype = false;  // bitsandbytes: leave the other tensors in their own dtype
  // qlinear format: how the weights are quantized (mode and activations do not apply).
  bool symmetric = true;
  bool per_channel = true;
  QuantDtype dtype = QuantDtype::qint8;
};

template <>
struct OptionFields<CheckpointWriteOptions> {
  static constexpr const char* group = "CheckpointOptions";
  template <typename Visit>
  static void visit(Visit&& field) {
    using O = CheckpointWriteOptions;
    field("format", &O::format);
    field("keepDtype", &O::keep_dtype);
    field("symmetric", &O::symmetric);
    field("perChannel", &O::per_channel);
    field("dtype", &O::dtype);
  }
};

// One output tensor: where it comes from and what it holds.
struct OutputTensor {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  uint64_t bytes = 0;
  std::size_t source = 0;  // the source tensor it is made from (index into CheckpointSource::tensors())
};

// What quantizing one weight cost.
struct LayerQuantization {
  std::string module;
  std::size_t out_features = 0;
  std::size_t in_features = 0;
  float scale_min = 0.0f;
  float scale_max = 0.0f;
  ErrorMetrics error;  // the dequantized weight against the float32 one
};

struct CheckpointProgress {
  std::size_t tensor = 0;  // index into CheckpointSource::tensors() of the tensor just written
  uint64_t bytes_written = 0;
  uint64_t bytes_total = 0;
  std::optional<LayerQuantization> layer;  // when that tensor was quantized
};

using WriteBytes = std::function<void(Span<const uint8_t> bytes)>;

// The tensors the output will hold, in order, and its header bytes (length and JSON).
std::vector<OutputTensor> output_tensors(const CheckpointSource& source, const CheckpointPlan& plan,
                                         const CheckpointWriteOptions& options);
std::vector<uint8_t> output_header(const CheckpointSource& source, const std::vector<OutputTensor>& tensors,
                                   const CheckpointWriteOptions& options);

// Writes the whole output (header, then every tensor) and returns its size in bytes. Throws,
// naming the tensor, for NaN or infinity in a weight it quantizes, and whatever a read or write
// throws; `progress` is called after each tensor.
uint64_t quantize_checkpoint(const CheckpointSource& source, const CheckpointPlan& plan,
                             const CheckpointWriteOptions& options, const WriteBytes& write,
                             const std::function<void(const CheckpointProgress&)>& progress = {});

// The quantization_config block config.json needs to load the output (JSON text): transformers'
// BitsAndBytesConfig for bitsandbytes, compressed-tensors' for vLLM, nothing ("") for qlinear.
// The modules the plan kept in their precision are listed as not to be converted (with lm_head).
std::string quantization_config(CheckpointFormat format, const CheckpointPlan& plan);

}  // namespace qlinear
