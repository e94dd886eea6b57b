// Arbitrary bytes read as a quantization problem: a shape, options and float values (any bit
// pattern, so NaN, Inf, subnormals and huge values all occur). Every entry point must return or
// throw qlinear::Error, and what it returns must satisfy the invariants checked below.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  float value() {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits = bits << 8 | byte();
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qlinear;
  Reader in(data, size);
  const uint8_t flags = in.byte();
  const int rows = 1 + in.byte() % 8, cols = 1 + in.byte() % 8;
  const int batch = static_cast<int>(in.byte() % 5) - 1;  // -1 and 0 must be refused
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = in.value();
  std::vector<float> x(static_cast<size_t>(batch > 0 ? batch * cols : cols));
  for (float& v : x) v = in.value();

  QuantOptions q;
  q.per_channel = flags & 1;
  q.axis = (flags >> 1) & 1 ? 1 : -2;
  q.dtype = (flags >> 2) & 1 ? QuantDtype::quint8 : QuantDtype::qint8;
  q.reduce_range = (flags >> 3) & 1;
  q.range = (flags >> 4) & 1 ? RangeVariant::restricted : RangeVariant::full;
  const bool symmetric = (flags >> 5) & 1;
  try {
    const QParams qp = symmetric ? get_symmetric_qparams(w, {rows, cols}, q) : get_asymmetric_qparams(w, {rows, cols}, q);
    const QuantizedTensor t = quantize_tensor(w, qp, {rows, cols});
    const std::vector<float> back = dequantize_tensor(t);
    const std::vector<float> fake = fake_quantize_tensor(w, qp, {rows, cols});
    for (size_t i = 0; i < w.size(); ++i) {
      check(std::isfinite(back[i]) && std::isfinite(fake[i]), "dequantized values are finite");
      const int32_t v = t.value(i);
      check(v >= storage_range(qp.dtype).min && v <= storage_range(qp.dtype).max, "integers fit the dtype");
    }
    (void)compute_error_metrics(w, back);
  } catch (const Error&) {
  }

  try {
    QuantLinearOptions o;
    o.symmetric = symmetric;
    o.per_channel = flags & 1;
    o.dtype = q.dtype;
    o.reduce_range = q.reduce_range;
    o.range = q.range;
    o.mode = (flags >> 6) & 1 ? ForwardMode::dynamic : ForwardMode::weight_only;
    o.activations = (flags >> 7) & 1 ? ActivationScheme::pytorch : ActivationScheme::per_row;
    Model model;
    model.add("a", Linear(cols, rows, w), Activation::relu);
    model.add("b", Linear(rows, 1, std::vector<float>(static_cast<size_t>(rows), 0.25f)), Activation::sigmoid);
    const Model quantized = quantize_model_weights(model, o, (flags & 2) ? std::vector<std::string>{"b"} : std::vector<std::string>{});
    const std::vector<float> y = quantized.forward(x, batch);
    for (float v : y) check(std::isfinite(v), "forward outputs are finite");
    (void)compare_outputs(model, quantized, x, batch);
    const Model back = load_model(SafetensorsFile::parse(save_model(quantized)));
    check(back.forward(x, batch) == y, "save -> load gives the same outputs");
  } catch (const Error&) {
  }

  // The issue-7 modes: llm-int8 with a fuzzed threshold, and static with a fuzzed observer
  // calibrated on x (bad thresholds, bad calibration data and uncalibrated layers must throw).
  const uint8_t more = in.byte();
  const float threshold = in.value();
  try {
    Model model;
    model.add("a", Linear(cols, rows, w), Activation::relu);
    model.add("b", Linear(rows, 2, std::vector<float>(static_cast<size_t>(rows) * 2, 0.5f)));
    QuantLinearOptions o;
    o.symmetric = symmetric;
    o.per_channel = flags & 1;
    o.range = q.range;
    Model quantized;
    if (more & 1) {
      o.mode = ForwardMode::llm_int8;
      o.outlier_threshold = threshold;
      quantized = quantize_model_weights(model, o);
    } else {
      CalibrationOptions c;
      c.observer = static_cast<ActivationObserverKind>((more >> 1) % 3);
      c.qscheme = (more >> 3) & 1 ? QScheme::per_tensor_symmetric : QScheme::per_tensor_affine;
      c.percentile = 50.0 + (more >> 4) * 3.3;
      PreparedModel prepared = prepare(model, c);
      if ((more >> 2) & 1) prepared.forward(x, batch);
      quantized = convert(prepared, o);
    }
    const std::vector<float> y = quantized.forward(x, batch);
    const auto& first = std::get<QuantLinear>(quantized.layer("a").op);
    if (first.mode() == ForwardMode::llm_int8)
      check(first.last_outlier_columns().value_or(cols + 1) <= static_cast<std::size_t>(cols),
            "llm-int8 reports at most in_features outlier columns after a forward");
    else
      check(first.input_qparams().has_value(), "converted layers carry their calibrated input qparams");
    const Model back = load_model(SafetensorsFile::parse(save_model(quantized)));
    check(back.forward(x, batch) == y, "llm-int8 / static: save -> load gives the same outputs");
  } catch (const Error&) {
  }
  return 0;
}
