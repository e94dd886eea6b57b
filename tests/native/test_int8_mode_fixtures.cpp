// Issue 7's modes against PyTorch-made fixtures (tools/make_int8_mode_fixtures.py):
// MovingAverageMinMaxObserver bit for bit, LLM.int8() against bitsandbytes' CPU ops
// re-expressed in torch, and a static W8A8 layer against PyTorch's quantize_per_tensor /
// quantize_per_channel with the product in float64.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlinear/calibration.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/quant_linear.hpp"

using namespace qlinear;
using Json = nlohmann::json;

namespace {

const Json& fixtures() {
  static const Json json = [] {
    std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/int8_modes.json");
    REQUIRE(in.good());
    return Json::parse(in);
  }();
  return json;
}

std::vector<float> floats(const Json& j) {
  std::vector<float> out;
  for (const Json& v : j) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

}  // namespace

TEST_CASE("MovingAverageMinMaxObserver matches PyTorch bit for bit", "[observers][static][pytorch]") {
  for (const Json& c : fixtures().at("moving_average")) {
    MovingAverageMinMaxObserver::Options options;
    options.averaging_constant = static_cast<float>(c.at("averaging_constant").get<double>());
    options.qscheme = c.at("symmetric").get<bool>() ? QScheme::per_tensor_symmetric : QScheme::per_tensor_affine;
    MovingAverageMinMaxObserver observer(options);
    const auto& batches = c.at("batches");
    for (std::size_t i = 0; i < batches.size(); ++i) {
      observer.observe(floats(batches[i]));
      INFO("averaging_constant " << options.averaging_constant << ", batch " << i);
      CHECK(observer.min_val() == static_cast<float>(c.at("min_val")[i].get<double>()));
      CHECK(observer.max_val() == static_cast<float>(c.at("max_val")[i].get<double>()));
    }
    const QParams q = observer.calculate_qparams();
    CHECK(q.scale[0] == static_cast<float>(c.at("scale").get<double>()));
    CHECK(q.zero_point[0] == c.at("zero_point").get<int32_t>());
  }
}

TEST_CASE("LLM.int8() matches bitsandbytes' semantics", "[llm-int8][pytorch]") {
  for (const Json& c : fixtures().at("llm_int8")) {
    const auto batch = c.at("batch").get<std::size_t>();
    const auto in = c.at("in_features").get<std::size_t>();
    const auto out = c.at("out_features").get<std::size_t>();
    const auto threshold = static_cast<float>(c.at("threshold").get<double>());
    const std::vector<float> x = floats(c.at("x"));
    INFO("batch " << batch << ", " << in << " -> " << out);

    // The activation side exactly: int8 values, row absmax and outlier columns.
    std::vector<uint8_t> q(batch * in);
    std::vector<float> scale(batch);
    std::vector<int32_t> zp(batch);
    std::vector<std::size_t> columns(in);
    columns.resize(kernels::quantize_rows_llm_int8(x.data(), batch, in, threshold, q.data(), in, scale.data(),
                                                   zp.data(), columns.data()));
    CHECK(columns == c.at("outlier_columns").get<std::vector<std::size_t>>());
    const auto CA = c.at("CA").get<std::vector<int>>();
    for (std::size_t i = 0; i < q.size(); ++i) REQUIRE(static_cast<int>(q[i]) - 128 == CA[i]);
    const std::vector<float> SCA = floats(c.at("SCA"));
    for (std::size_t b = 0; b < batch; ++b) CHECK(scale[b] == SCA[b] / 127.0f);

    // The weight side: bitsandbytes' row-wise absmax int8 is PyTorch's symmetric per-channel
    // qint8 with the restricted range [-127, 127].
    QuantLinearOptions o;
    o.range = RangeVariant::restricted;
    o.mode = ForwardMode::llm_int8;
    o.outlier_threshold = threshold;
    const QuantLinear layer =
        QuantLinear::from_linear(Linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out),
                                        floats(c.at("weight")), floats(c.at("bias"))), o);
    const QuantizedTensor w = layer.weight();
    const auto CB = c.at("CB").get<std::vector<int>>();
    std::size_t weight_mismatches = 0;
    for (std::size_t i = 0; i < CB.size(); ++i) weight_mismatches += static_cast<int8_t>(w.storage[i]) != CB[i];
    CHECK(weight_mismatches <= CB.size() / 1000);  // only float-rounding ties may differ (x/s vs x·(127/absmax))

    // The output: the same up to the order of float operations.
    const std::vector<float> expected = floats(c.at("output"));
    const std::vector<float> y = layer.forward(x, static_cast<std::ptrdiff_t>(batch));
    CHECK(layer.last_outlier_columns() == columns.size());
    const double bound = 1e-4 * std::max(1.0, max_abs(expected));
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(std::abs(y[i] - expected[i]) <= bound);
  }
}

TEST_CASE("a static W8A8 layer matches PyTorch's quantize_per_tensor / quantize_per_channel", "[static][pytorch]") {
  for (const Json& c : fixtures().at("static")) {
    const auto batch = c.at("batch").get<std::size_t>();
    const auto in = c.at("in_features").get<std::size_t>();
    const auto out = c.at("out_features").get<std::size_t>();
    Model model;
    model.add("fc", Linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out), floats(c.at("weight")),
                           floats(c.at("bias"))));
    CalibrationOptions calibration_options;
    calibration_options.reduce_range = c.at("reduce_range").get<bool>();
    PreparedModel prepared = prepare(model, calibration_options);
    for (const Json& calibration : c.at("calibration"))
      prepared.forward(floats(calibration), static_cast<std::ptrdiff_t>(batch));
    const Model converted = convert(prepared);  // default weights: per-channel symmetric qint8
    const auto& layer = std::get<QuantLinear>(converted.layer("fc").op);
    CHECK(layer.input_qparams()->scale[0] == static_cast<float>(c.at("input_scale").get<double>()));
    CHECK(layer.input_qparams()->zero_point[0] == c.at("input_zero_point").get<int32_t>());
    const std::vector<float> x = floats(c.at("x"));
    // The input integers exactly as torch.quantize_per_tensor makes them (clamped ones included).
    std::vector<uint8_t> xq(batch * in);
    std::vector<float> row_scale(batch);
    std::vector<int32_t> row_zero_point(batch);
    const QParams& qp = *layer.input_qparams();
    kernels::quantize_rows_static_u8(x.data(), batch, in, qp.scale[0], qp.zero_point[0], 0, 255, xq.data(), in,
                                     row_scale.data(), row_zero_point.data());
    CHECK(std::vector<int>(xq.begin(), xq.end()) == c.at("x_q").get<std::vector<int>>());
    // With reduce_range the scale is for [0, 127], yet inputs above the calibrated range still
    // quantize past 127 (PyTorch clamps to the dtype): the case must exercise that.
    if (calibration_options.reduce_range) CHECK(*std::max_element(xq.begin(), xq.end()) > 127);
    const std::vector<float> y = converted.forward(x, static_cast<std::ptrdiff_t>(batch));
    const std::vector<float> expected = floats(c.at("output"));
    const double bound = 1e-5 * std::max(1.0, max_abs(expected));
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(std::abs(y[i] - expected[i]) <= bound);
  }
}
