// PyTorch 1.13's eager-mode static quantization with its default qconfigs (fbgemm, qnnpack, x86,
// onednn: HistogramObserver activations, symmetric qint8 weights), natively and in wasm, against
// tools/make_default_qconfig_fixtures.py: the seed's Linear(6, 1) and two MLPs with Linear + ReLU
// fused, prepared, calibrated on the same batches and converted in both.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlinear/qlinear.hpp"

using namespace qlinear;

namespace {

nlohmann::json fixtures() {
  std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/default_qconfig.json");
  return nlohmann::json::parse(in);
}

std::vector<int32_t> integers(const QuantizedTensor& t) {
  std::vector<int32_t> out;
  for (uint8_t b : t.storage) out.push_back(t.qparams.dtype == QuantDtype::qint8 ? static_cast<int8_t>(b) : b);
  return out;
}

// What prepare/convert made of one fixture case, with its name for messages.
struct Converted {
  std::string what;
  Model model;
  bool reduce_range;  // the activation observers'
};

int64_t ulps(float a, float b) {
  int32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return std::abs(static_cast<int64_t>(x) - y);
}

Converted convert_like_pytorch(const nlohmann::json& c) {
  Model fp32;
  const auto& layers = c["layers"];
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    std::vector<float> bias = l["bias"].is_null() ? std::vector<float>{} : l["bias"].get<std::vector<float>>();
    fp32.add("fc" + std::to_string(i), Linear(l["in_features"].get<int>(), l["out_features"].get<int>(),
                                               l["weight"].get<std::vector<float>>(), std::move(bias)),
             l["relu"].get<bool>() ? Activation::relu : Activation::identity);
  }
  const QConfig q = default_qconfig(parse_name<QConfigBackend>(c["backend"].get<std::string>()));
  PreparedModel prepared = prepare(fp32, q.activation);
  const auto& batches = c["batches"];
  for (std::size_t b = 0; b < batches.size(); ++b)
    prepared.forward(c["calibration"][b].get<std::vector<float>>(), batches[b].get<std::ptrdiff_t>());
  return {c["backend"].get<std::string>() + " / " + c["name"].get<std::string>(), convert(prepared, q.weight),
          q.activation.reduce_range};
}

}  // namespace

TEST_CASE("default_qconfig is PyTorch 1.13's get_default_qconfig", "[pytorch_api][static]") {
  const QConfig fbgemm = default_qconfig(QConfigBackend::fbgemm);
  CHECK(fbgemm.activation.observer == ActivationObserverKind::histogram);
  CHECK(fbgemm.activation.reduce_range);
  CHECK(fbgemm.weight.per_channel);
  CHECK(fbgemm.weight.symmetric);
  CHECK(fbgemm.weight.dtype == QuantDtype::qint8);
  const QConfig qnnpack = default_qconfig(QConfigBackend::qnnpack);
  CHECK_FALSE(qnnpack.activation.reduce_range);
  CHECK_FALSE(qnnpack.weight.per_channel);
  CHECK(default_qconfig(QConfigBackend::x86).activation.reduce_range);
  CHECK_FALSE(default_qconfig(QConfigBackend::onednn).activation.reduce_range);
}

TEST_CASE("prepare / calibrate / convert with PyTorch's default qconfigs give PyTorch's integers, qparams and outputs",
          "[pytorch_api][static][fixtures]") {
  const nlohmann::json f = fixtures();  // held for the loop
  REQUIRE(f["cases"].size() == 12);
  for (const auto& c : f["cases"]) {
    const Converted converted = convert_like_pytorch(c);
    INFO(converted.what);
    const auto& layers = c["layers"];
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const auto& l = layers[i];
      const std::string name = "fc" + std::to_string(i);
      INFO(name);
      const QuantizedTensor w = *converted.model.layer_int_repr(name);
      CHECK(integers(w) == l["int_repr"].get<std::vector<int32_t>>());
      CHECK(w.qparams.scale == l["scales"].get<std::vector<float>>());
      CHECK(w.qparams.zero_point == l["zero_points"].get<std::vector<int32_t>>());
      // The input's scale and zero point: HistogramObserver's, on this layer's calibration inputs.
      // The first layer sees the data itself: PyTorch's exactly. Later layers see fp32
      // activations, which qlinear's matmul sums in another order than PyTorch's, so the observed
      // range may move by float rounding: PyTorch's scale within 4 ulps, and exactly PyTorch's
      // when the observer is fed PyTorch's own activations.
      const QParams in = *std::get<QuantLinear>(converted.model.layer(name).op).input_qparams();
      const auto pytorch_scale = l["input_scale"].get<float>();
      CHECK(in.zero_point.at(0) == l["input_zero_point"].get<int32_t>());
      if (i == 0) CHECK(in.scale.at(0) == pytorch_scale);
      else CHECK(ulps(in.scale.at(0), pytorch_scale) <= 4);
      HistogramObserver own({2048, 128, QuantDtype::quint8, QScheme::per_tensor_affine, converted.reduce_range, RangeVariant::full});
      for (const auto& seen : l["calibration_inputs"]) own.observe(seen.get<std::vector<float>>());
      CHECK(own.calculate_qparams().scale.at(0) == pytorch_scale);
      CHECK(own.calculate_qparams().zero_point.at(0) == l["input_zero_point"].get<int32_t>());
    }
    // qlinear returns fp32 outputs; quantized with PyTorch's output scale and zero point they are
    // PyTorch's quantized output.
    const auto batch = c["batch"].get<std::ptrdiff_t>();
    const std::vector<float> y = converted.model.forward(c["x"].get<std::vector<float>>(), batch);
    const QParams out = given_qparams(QuantDtype::quint8, {c["output_scale"].get<float>()}, {c["output_zero_point"].get<int32_t>()}, -1);
    CHECK(integers(quantize_tensor(y, out)) == c["output_int_repr"].get<std::vector<int32_t>>());
  }
}
