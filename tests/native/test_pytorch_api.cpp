// PyTorch's functions by name, natively and in wasm, against PyTorch 1.13's answers
// (tools/make_pytorch_api_fixtures.py): quantize_per_tensor / quantize_per_channel with given
// numbers and _choose_qparams_per_tensor.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Contains;

namespace {

nlohmann::json fixtures() {
  std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/pytorch_api.json");
  return nlohmann::json::parse(in);
}

std::vector<int32_t> integers(const QuantizedTensor& t) {
  std::vector<int32_t> out;
  for (uint8_t b : t.storage) out.push_back(t.qparams.dtype == QuantDtype::qint8 ? static_cast<int8_t>(b) : b);
  return out;
}

}  // namespace

TEST_CASE("given qparams quantize as torch.quantize_per_tensor / quantize_per_channel", "[pytorch_api][fixtures]") {
  const nlohmann::json f = fixtures();
  for (const auto& c : f["per_tensor"]) {
    const QParams qp = given_qparams(parse_dtype(c["dtype"]), {c["scale"].get<float>()}, {c["zero_point"].get<int32_t>()}, -1);
    CHECK(integers(quantize_tensor(c["x"].get<std::vector<float>>(), qp)) == c["int_repr"].get<std::vector<int32_t>>());
  }
  for (const auto& c : f["per_channel"]) {
    const QParams qp = given_qparams(parse_dtype(c["dtype"]), c["scales"].get<std::vector<float>>(),
                                     c["zero_points"].get<std::vector<int32_t>>(), c["axis"].get<int>());
    CHECK(integers(quantize_tensor(c["x"].get<std::vector<float>>(), qp, c["shape"].get<Shape>())) ==
          c["int_repr"].get<std::vector<int32_t>>());
  }
  CHECK_THROWS_WITH(given_qparams(QuantDtype::quint8, {0.1f, 0.2f}, {0}, 0), Contains("2 scales but 1 zero points"));
  CHECK_THROWS_WITH(given_qparams(QuantDtype::qint8, {0.1f}, {200}, -1), Contains("zero point 200 of channel 0 lies outside [-128, 127]"));
}

TEST_CASE("choose_qparams_per_tensor is torch._choose_qparams_per_tensor bit for bit", "[pytorch_api][fixtures]") {
  const nlohmann::json f = fixtures();  // held: a range-for over fixtures()[...] would outlive the temporary
  for (const auto& c : f["choose_qparams"]) {
    const DynamicQParams p = choose_qparams_per_tensor(c["x"].get<std::vector<float>>(), c["reduce_range"].get<bool>());
    CHECK(p.scale == c["scale"].get<double>());
    CHECK(p.zero_point == c["zero_point"].get<int32_t>());
  }
  CHECK_THROWS_WITH(choose_qparams_per_tensor(std::vector<float>{}, true), Contains("empty"));
}

TEST_CASE("activation_qparams are the ones a dynamic forward quantizes with: PyTorch's per tensor, MinMax per row",
          "[pytorch_api][fixtures]") {
  const nlohmann::json f = fixtures();  // held for the loop
  for (const auto& c : f["choose_qparams"]) {
    if (!c["reduce_range"].get<bool>()) continue;  // quantize_dynamic's Linear passes reduce_range
    const auto x = c["x"].get<std::vector<float>>();
    const auto n = static_cast<std::ptrdiff_t>(x.size());
    QuantLinearOptions o;
    o.mode = ForwardMode::dynamic;
    o.activations = ActivationScheme::pytorch;
    const QuantLinear layer = QuantLinear::from_linear(Linear(n, 1, std::vector<float>(x.size(), 0.5f)), o);
    const ActivationQParams q = layer.activation_qparams(x, 1);
    CHECK(q.scale.at(0) == static_cast<float>(c["scale"].get<double>()));
    CHECK(q.zero_point.at(0) == c["zero_point"].get<int32_t>());
  }
  // Per row (qlinear's default): each row's MinMaxObserver quint8 affine qparams.
  const std::vector<float> x = {0.5f, -1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  QuantLinearOptions o;
  o.mode = ForwardMode::dynamic;
  const QuantLinear layer = QuantLinear::from_linear(Linear(3, 2, {1, 2, 3, 4, 5, 6}), o);
  const ActivationQParams q = layer.activation_qparams(x, 2);
  for (std::size_t r = 0; r < 2; ++r) {
    QuantOptions quint8;
    quint8.dtype = QuantDtype::quint8;
    const QParams own = get_asymmetric_qparams(Span<const float>(x.data() + 3 * r, 3), {}, quint8);
    CHECK(q.scale[r] == own.scale[0]);
    CHECK(q.zero_point[r] == own.zero_point[0]);
  }
  CHECK_THROWS_WITH(QuantLinear::from_linear(Linear(3, 2, {1, 2, 3, 4, 5, 6})).activation_qparams(x, 2),
                    Contains("weight-only layer does not quantize its input"));
}
