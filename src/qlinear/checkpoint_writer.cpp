#include "qlinear/checkpoint_writer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>

#include <nlohmann/json.hpp>

#include "qlinear/checks.hpp"
#include "qlinear/error.hpp"
#include "qlinear/float16.hpp"
#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/kernels/int8_rows.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/kernels/transpose.hpp"
#include "qlinear/observer.hpp"
#include "qlinear/quantize.hpp"

namespace qlinear {

namespace {

constexpr std::size_t kChunkValues = std::size_t{1} << 20;  // per piece of a passed-through tensor

// The quantized weight of one module, [out, in], with its per-row figures.
struct QuantizedWeight {
  std::vector<int8_t> values;        // bitsandbytes, compressed-tensors (qlinear: its own below)
  std::vector<float> scale;          // SCB (the row absmax) for bitsandbytes, else the scale
  QuantizedTensor qlinear;           // the qlinear format's integers and qparams
  LayerQuantization report;
};

// The source weight as [out, in] rows, whatever its layout. Conv1D's [in, out] is transposed a
// block of rows at a time into a small buffer, reading whole runs of each stored row: a row at a
// time would read one float per 4-KiB-or-more stride, a cache miss each.
class WeightRows {
 public:
  // Rows are transposed this many at a time; threads take whole blocks of them.
  static constexpr std::size_t kBlock = 16;

  WeightRows(Span<const float> w, const TensorPlan& plan) : w_(w), plan_(plan) {}
  // Row j (of [out, in]); valid until the next call.
  const float* row(std::size_t j) {
    const std::size_t in = plan_.in_features, out = plan_.out_features;
    if (plan_.layout == WeightLayout::linear) return w_.data() + j * in;
    const std::size_t first = j / kBlock * kBlock;
    if (first != block_first_ || block_.empty()) {
      const std::size_t rows = std::min(kBlock, out - first);
      block_.resize(kBlock * in);
      kernels::transpose_f32(w_.data() + first, out, in, rows, block_.data(), in);
      block_first_ = first;
    }
    return block_.data() + (j - first) * in;
  }
  const TensorPlan& plan() const { return plan_; }
  Span<const float> weight() const { return w_; }

 private:
  Span<const float> w_;
  const TensorPlan& plan_;
  std::vector<float> block_;
  std::size_t block_first_ = 0;
};

// f(rows, j0, j1) for blocks of a weight's rows on the kernels' threads (qlinear::set_threads),
// each block with its own WeightRows (its own transposition buffer). The pool's tasks must not
// throw: an exception is kept per block and the first block's rethrown here, the one a single
// thread would have met first. Rows cost about 16 "multiply-adds" a value for the partition's
// threshold: small tensors stay on the calling thread.
template <class F>
void for_each_weight_block(WeightRows& w, F&& f) {
  const std::size_t out = w.plan().out_features, in = w.plan().in_features;
  const kernels::RowPartition parts = kernels::partition_rows(out, 16 * in, WeightRows::kBlock, threads());
  std::vector<std::exception_ptr> errors(parts.parts);
  kernels::run_parallel(parts.parts, [&](std::size_t part) {
    try {
      WeightRows rows(w.weight(), w.plan());
      f(rows, parts.begin(part), parts.end(part));
    } catch (...) {
      errors[part] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

// Each row's error sums apart, merged in row order: the same figures on any number of threads.
ErrorMetrics merged_error(const std::vector<ErrorAccumulator>& rows) {
  ErrorAccumulator all;
  for (const ErrorAccumulator& row : rows) all.merge(row);
  return all.result();
}

void require_finite_weight(const TensorPlan& p, Span<const float> w) {
  if (!all_finite(w)) require_finite(w, ("weight '" + p.name + "'").c_str());
}

// bitsandbytes (0.46's CPU path; the CUDA kernel computes the same but for its approximate
// division): the weight is float16 first, SCB is each row's absmax, q = round(w16 · (127 / SCB)),
// in float32, where PyTorch evaluates 127.0 / SCB as SCB.reciprocal() · 127 (two roundings, which
// differ from one division in the last bit for some SCB). An all-zero row gets SCB 0 and zeros,
// as the CUDA kernel gives.
QuantizedWeight quantize_bitsandbytes(WeightRows& w) {
  const std::size_t out = w.plan().out_features, in = w.plan().in_features;
  QuantizedWeight q;
  q.values.resize(out * in);
  q.scale.resize(out);
  std::vector<ErrorAccumulator> error(out);
  for_each_weight_block(w, [&](WeightRows& rows, std::size_t j0, std::size_t j1) {
    std::vector<float> row(in), back(in);
    for (std::size_t j = j0; j < j1; ++j) {
      const float* source = rows.row(j);
      if (!round_to_half(source, in, row.data())) {
        const std::size_t k = static_cast<std::size_t>(std::find_if(row.begin(), row.end(), [](float v) { return !std::isfinite(v); }) - row.begin());
        throw Error("weight '" + w.plan().name + "': " + std::to_string(source[k]) + " (row " + std::to_string(j) +
                    ") does not fit float16, which bitsandbytes quantizes from");
      }
      const kernels::MinMax m = kernels::minmax(row.data(), in);
      const float absmax = std::max(-m.min, m.max);
      int8_t* values = q.values.data() + j * in;
      if (absmax == 0.0f) {
        std::fill_n(values, in, int8_t{0});
        std::fill(back.begin(), back.end(), 0.0f);
      } else {
        kernels::quantize(row.data(), in, (1.0f / absmax) * 127.0f, 0, -127, 127, reinterpret_cast<uint8_t*>(values));
        kernels::dequantize_int8(values, in, absmax, 1.0f / 127.0f, back.data());
      }
      q.scale[j] = absmax;
      error[j].add({source, in}, back);
    }
  });
  q.report.error = merged_error(error);
  return q;
}

// compressed-tensors' symmetric int8 channel strategy: scale = max(absmax / 127.5, eps),
// q = round(clamp(w / scale, -128, 127)), in float32 (a division: w · (1 / scale) differs in the
// last bit for some w).
QuantizedWeight quantize_compressed_tensors(WeightRows& w) {
  const std::size_t out = w.plan().out_features, in = w.plan().in_features;
  QuantizedWeight q;
  q.values.resize(out * in);
  q.scale.resize(out);
  std::vector<ErrorAccumulator> error(out);
  for_each_weight_block(w, [&](WeightRows& rows, std::size_t j0, std::size_t j1) {
    std::vector<float> back(in);
    for (std::size_t j = j0; j < j1; ++j) {
      const float* source = rows.row(j);
      const kernels::MinMax m = kernels::minmax(source, in);
      const float scale = std::max(std::max(-m.min, m.max) / 127.5f, FLT_EPSILON);
      int8_t* values = q.values.data() + j * in;
      kernels::quantize_divided_int8(source, in, scale, -128.0f, 127.0f, values);
      kernels::dequantize_int8(values, in, scale, 1.0f, back.data());
      q.scale[j] = scale;
      error[j].add({source, in}, back);
    }
  });
  q.report.error = merged_error(error);
  return q;
}

// The qlinear format: PyTorch's observers, as QuantLinear::from_linear quantizes.
QuantizedWeight quantize_qlinear(WeightRows& w, const CheckpointWriteOptions& o) {
  const std::size_t out = w.plan().out_features, in = w.plan().in_features;
  std::vector<float> rows(out * in);
  for (std::size_t j = 0; j < out; ++j) std::copy_n(w.row(j), in, rows.data() + j * in);
  QuantOptions q_options;
  q_options.per_channel = o.per_channel;
  q_options.dtype = o.dtype;
  const Shape shape{static_cast<int64_t>(out), static_cast<int64_t>(in)};
  const QParams qp = o.symmetric ? get_symmetric_qparams(rows, shape, q_options) : get_asymmetric_qparams(rows, shape, q_options);
  QuantizedWeight q;
  q.qlinear = quantize_tensor(rows, qp, shape);
  q.scale = qp.scale;
  q.report.error = compute_error_metrics(rows, dequantize_tensor(q.qlinear));
  return q;
}

bool is_float(SafetensorsDtype d) {
  return d == SafetensorsDtype::F32 || d == SafetensorsDtype::F16 || d == SafetensorsDtype::BF16 ||
         d == SafetensorsDtype::F64;
}

}  // namespace

std::vector<OutputTensor> output_tensors(const CheckpointSource& source, const CheckpointPlan& plan,
                                         const CheckpointWriteOptions& options) {
  if (plan.tensors.size() != source.tensors().size())
    throw Error("the plan is for another checkpoint: " + std::to_string(plan.tensors.size()) + " tensors, not " +
                std::to_string(source.tensors().size()));
  std::vector<OutputTensor> out;
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    const TensorPlan& p = plan.tensors[i];
    const CheckpointTensor& t = source.tensors()[i];
    if (!p.quantize) {
      const bool to_half = options.format == CheckpointFormat::bitsandbytes && !options.keep_dtype && is_float(t.dtype);
      const SafetensorsDtype dtype = to_half ? SafetensorsDtype::F16 : t.dtype;
      out.push_back({t.name, dtype, t.shape, t.element_count() * element_size(dtype), i});
      continue;
    }
    const auto rows = static_cast<int64_t>(p.out_features), cols = static_cast<int64_t>(p.in_features);
    const uint64_t n = p.out_features * static_cast<uint64_t>(p.in_features);
    switch (options.format) {
      case CheckpointFormat::bitsandbytes:
        out.push_back({t.name, SafetensorsDtype::I8, {rows, cols}, n, i});
        out.push_back({p.module + ".SCB", SafetensorsDtype::F32, {rows}, 4 * p.out_features, i});
        out.push_back({p.module + ".weight_format", SafetensorsDtype::U8, {}, 1, i});
        break;
      case CheckpointFormat::compressed_tensors:
        out.push_back({t.name, SafetensorsDtype::I8, {rows, cols}, n, i});
        out.push_back({p.module + ".weight_scale", SafetensorsDtype::F32, {rows, 1}, 4 * p.out_features, i});
        break;
      case CheckpointFormat::qlinear: {
        const int64_t channels = options.per_channel ? rows : 1;
        const auto dtype = options.dtype == QuantDtype::qint8 ? SafetensorsDtype::I8 : SafetensorsDtype::U8;
        out.push_back({t.name, dtype, {rows, cols}, n, i});
        out.push_back({p.module + ".weight_scale", SafetensorsDtype::F32, {channels}, 4 * static_cast<uint64_t>(channels), i});
        out.push_back({p.module + ".weight_zero_point", SafetensorsDtype::I32, {channels}, 4 * static_cast<uint64_t>(channels), i});
        break;
      }
    }
  }
  return out;
}

std::vector<uint8_t> output_header(const CheckpointSource& source, const std::vector<OutputTensor>& tensors,
                                   const CheckpointWriteOptions& options) {
  std::map<std::string, std::string> metadata = source.metadata();
  metadata["format"] = "pt";
  metadata["qlinear.checkpoint_format"] = name_of(options.format);
  std::vector<HeaderTensor> layout;
  for (const OutputTensor& t : tensors) layout.push_back({t.name, t.dtype, t.shape, t.bytes});
  return safetensors_header(layout, metadata);
}

uint64_t quantize_checkpoint(const CheckpointSource& source, const CheckpointPlan& plan,
                             const CheckpointWriteOptions& options, const WriteBytes& write,
                             const std::function<void(const CheckpointProgress&)>& progress) {
  const std::vector<OutputTensor> outputs = output_tensors(source, plan, options);
  const std::vector<uint8_t> header = output_header(source, outputs, options);
  uint64_t total = header.size();
  for (const OutputTensor& t : outputs) total += t.bytes;
  while_doing("writing the output's header", [&] { write(header); });
  CheckpointProgress done{0, header.size(), total, std::nullopt};
  // Buffers reused by every tensor: pieces of passed-through tensors, and one float32 weight as
  // large as the largest quantized one, made once so that growing it never holds two.
  std::vector<uint8_t> chunk;
  std::vector<float> values;
  std::vector<uint16_t> halves;
  uint64_t largest = 0;
  for (std::size_t i = 0; i < plan.tensors.size(); ++i)
    if (plan.tensors[i].quantize) largest = std::max(largest, source.tensors()[i].element_count());
  std::vector<float> weights;
  while_doing("making room for the largest weight", [&] { weights.resize(static_cast<std::size_t>(largest)); });
  for (std::size_t o = 0; o < outputs.size();) {
    const std::size_t i = outputs[o].source;
    const CheckpointTensor& t = source.tensors()[i];
    const TensorPlan& p = plan.tensors[i];
    done.tensor = i;
    done.layer.reset();
    // A standard-library exception (out of memory, ...) becomes an Error naming the tensor.
    const std::string doing = std::string(p.quantize ? "quantizing" : "copying") + " tensor '" + t.name + "' of " +
                              source.files()[t.file].name;
    while_doing(doing, [&] {
      if (!p.quantize) {
        // Copied, or converted to float16, a piece at a time.
        const bool to_half = outputs[o].dtype != t.dtype;
        const std::size_t size = element_size(t.dtype);
        for (uint64_t at = 0; at < t.bytes; at += kChunkValues * size) {
          const auto bytes = static_cast<std::size_t>(std::min<uint64_t>(kChunkValues * size, t.bytes - at));
          if (!to_half) {
            chunk.resize(bytes);
            source.read(t, at, chunk);
            write(chunk);
            continue;
          }
          values.resize(bytes / size);
          if (t.dtype == SafetensorsDtype::F32) {
            source.read(t, at, {reinterpret_cast<uint8_t*>(values.data()), bytes});  // straight into place
          } else {
            chunk.resize(bytes);
            source.read(t, at, chunk);
            convert_to_float32(t.name, t.dtype, chunk, values);
          }
          halves.resize(values.size());
          // In pieces on the kernels' threads (an elementwise conversion: the same bytes).
          kernels::for_each_row_block(values.size(), kernels::kMacsPerElement, 4096, [&](std::size_t v0, std::size_t v1) {
            float_to_half(values.data() + v0, v1 - v0, halves.data() + v0);
          });
          write({reinterpret_cast<const uint8_t*>(halves.data()), 2 * halves.size()});
        }
        done.bytes_written += outputs[o++].bytes;
      } else {
        const Span<const float> w(weights.data(), static_cast<std::size_t>(t.element_count()));
        source.read_float32(t, {weights.data(), w.size()});
        require_finite_weight(p, w);
        WeightRows rows(w, p);
        QuantizedWeight q = options.format == CheckpointFormat::bitsandbytes       ? quantize_bitsandbytes(rows)
                            : options.format == CheckpointFormat::compressed_tensors ? quantize_compressed_tensors(rows)
                                                                                     : quantize_qlinear(rows, options);
        if (options.format == CheckpointFormat::qlinear) {
          write(q.qlinear.storage);
          write(to_bytes(q.qlinear.qparams.scale));
          write(to_bytes(q.qlinear.qparams.zero_point));
        } else {
          write({reinterpret_cast<const uint8_t*>(q.values.data()), q.values.size()});
          write(to_bytes(q.scale));
          if (options.format == CheckpointFormat::bitsandbytes) write(std::vector<uint8_t>{0});  // weight_format "row"
        }
        const std::size_t parts = options.format == CheckpointFormat::compressed_tensors ? 2 : 3;
        for (std::size_t k = 0; k < parts; ++k) done.bytes_written += outputs[o++].bytes;
        q.report.module = p.module;
        q.report.out_features = p.out_features;
        q.report.in_features = p.in_features;
        q.report.scale_min = *std::min_element(q.scale.begin(), q.scale.end());
        q.report.scale_max = *std::max_element(q.scale.begin(), q.scale.end());
        done.layer = q.report;
      }
    });
    if (progress) progress(done);
  }
  return total;
}

std::string quantization_config(CheckpointFormat format, const CheckpointPlan& plan) {
  std::vector<std::string> kept = plan.kept_linear_modules();
  kept.insert(kept.begin(), "lm_head");  // a given list replaces the loaders' defaults, which keep it
  if (format == CheckpointFormat::bitsandbytes) {
    // As transformers writes BitsAndBytesConfig.to_dict() for load_in_8bit (4.39 and later).
    const nlohmann::ordered_json config = {
        {"_load_in_4bit", false}, {"_load_in_8bit", true}, {"bnb_4bit_compute_dtype", "float32"},
        {"bnb_4bit_quant_storage", "uint8"}, {"bnb_4bit_quant_type", "fp4"}, {"bnb_4bit_use_double_quant", false},
        {"llm_int8_enable_fp32_cpu_offload", false}, {"llm_int8_has_fp16_weight", false},
        {"llm_int8_skip_modules", kept.size() > 1 ? nlohmann::json(kept) : nlohmann::json(nullptr)},
        {"llm_int8_threshold", kDefaultOutlierThreshold}, {"load_in_4bit", false}, {"load_in_8bit", true},
        {"quant_method", "bitsandbytes"}};
    return config.dump(2);
  }
  if (format == CheckpointFormat::qlinear) return "";
  const nlohmann::ordered_json weights = {
      {"actorder", nullptr}, {"block_structure", nullptr}, {"dynamic", false}, {"group_size", nullptr},
      {"num_bits", 8},       {"observer", "minmax"},       {"observer_kwargs", nlohmann::json::object()},
      {"strategy", "channel"}, {"symmetric", true},         {"type", "int"}};
  const nlohmann::ordered_json inputs = {
      {"actorder", nullptr}, {"block_structure", nullptr}, {"dynamic", true}, {"group_size", nullptr},
      {"num_bits", 8},       {"observer", nullptr},        {"observer_kwargs", nlohmann::json::object()},
      {"strategy", "token"}, {"symmetric", true},          {"type", "int"}};
  const nlohmann::ordered_json config = {
      {"config_groups",
       {{"group_0", {{"input_activations", inputs}, {"output_activations", nullptr}, {"targets", {"Linear"}}, {"weights", weights}}}}},
      {"format", "int-quantized"},
      {"global_compression_ratio", nullptr},
      {"ignore", kept},
      {"kv_cache_scheme", nullptr},
      {"quant_method", "compressed-tensors"},
      {"quantization_status", "compressed"}};
  return config.dump(2);
}

}  // namespace qlinear
