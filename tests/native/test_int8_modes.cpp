// LLM.int8() and static W8A8 (issue 7): the activation quantizers on hand-worked cases,
// QuantLinear's fast paths against the scalar references on odd shapes, the outlier error
// LLM.int8() is for, the new observers, and prepare -> calibrate -> convert.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "qlinear/calibration.hpp"
#include "qlinear/error.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/model_io.hpp"
#include "qlinear/quant_linear.hpp"

using namespace qlinear;

namespace {

Linear random_linear(std::size_t in, std::size_t out, std::mt19937& rng) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(in));
  std::uniform_real_distribution<float> u(-bound, bound);
  std::vector<float> w(in * out), b(out);
  for (auto& v : w) v = u(rng);
  for (auto& v : b) v = u(rng);
  return Linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out), w, b);
}

// Gaussian activations with a few "emergent feature" columns of large magnitude, as LLM hidden
// states have (LLM.int8() paper, section 4): `columns` of them, |x| >= `magnitude` there.
std::vector<float> activations_with_outlier_columns(std::size_t batch, std::size_t in, std::size_t columns,
                                                    float magnitude, std::mt19937& rng) {
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> x(batch * in);
  for (auto& v : x) v = n(rng);
  for (std::size_t c = 0; c < columns; ++c) {
    const std::size_t k = (c * 7919 + 13) % in;
    for (std::size_t b = 0; b < batch; ++b) x[b * in + k] = std::copysign(magnitude + std::abs(x[b * in + k]), x[b * in + k]);
  }
  return x;
}

kernels::QuantizedWeightsView view_of(const QuantizedTensor& w) {
  return {w.storage.data(), w.qparams.dtype == QuantDtype::quint8, w.qparams.scale.data(),
          w.qparams.zero_point.data(), is_per_channel(w.qparams.scheme), static_cast<std::size_t>(w.shape[0]),
          static_cast<std::size_t>(w.shape[1])};
}

double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

}  // namespace

TEST_CASE("LLM.int8() activation quantization: outlier columns, absmax without outliers, round half even",
          "[llm-int8]") {
  // Worked by hand. Threshold 6: column 2 (7) and column 3 (-8) hold outliers.
  const std::vector<float> x = {1.0f, -2.0f, 7.0f, 0.5f, 0.0f,  //
                                0.25f, 3.0f, -1.0f, -8.0f, 2.0f};
  std::vector<uint8_t> q(10);
  float scale[2];
  int32_t zp[2];
  std::size_t columns[5];
  const std::size_t n = kernels::quantize_rows_llm_int8(x.data(), 2, 5, 6.0f, q.data(), 5, scale, zp, columns);
  REQUIRE(n == 2);
  CHECK(columns[0] == 2);
  CHECK(columns[1] == 3);
  // Row 0: absmax 2 (the 7 is left out): 1 -> 63.5 -> 64 (to even), -2 -> -127, outlier columns 0.
  // Row 1: absmax 3 (the -8 left out): 0.25 -> 10.58 -> 11, 3 -> 127, -1 sits in an outlier
  // column -> 0, 2 -> 84.67 -> 85.
  const std::vector<int> expected = {64, -127, 0, 0, 0, 11, 127, 0, 0, 85};
  for (std::size_t i = 0; i < 10; ++i) CHECK(static_cast<int>(q[i]) - 128 == expected[i]);
  CHECK(scale[0] == 2.0f / 127.0f);
  CHECK(scale[1] == 3.0f / 127.0f);
  CHECK(zp[0] == 128);
  CHECK(zp[1] == 128);

  // Threshold 0: no decomposition; row 0's absmax is 7.
  REQUIRE(kernels::quantize_rows_llm_int8(x.data(), 2, 5, 0.0f, q.data(), 5, scale, zp, columns) == 0);
  CHECK(static_cast<int>(q[2]) - 128 == 127);
  CHECK(scale[0] == 7.0f / 127.0f);

  // An all-zero row quantizes to zeros with scale 0, not NaN.
  const std::vector<float> zeros(4, 0.0f);
  REQUIRE(kernels::quantize_rows_llm_int8(zeros.data(), 1, 4, 6.0f, q.data(), 4, scale, zp, columns) == 0);
  CHECK(scale[0] == 0.0f);
  for (int i = 0; i < 4; ++i) CHECK(q[i] == 128);

  // A subnormal absmax (127 / absmax overflows) still gives +-127, not garbage.
  const std::vector<float> tiny = {1e-40f, -1e-40f, 5e-41f};
  REQUIRE(kernels::quantize_rows_llm_int8(tiny.data(), 1, 3, 6.0f, q.data(), 3, scale, zp, columns) == 0);
  CHECK(static_cast<int>(q[0]) - 128 == 127);
  CHECK(static_cast<int>(q[1]) - 128 == -127);
  CHECK(static_cast<int>(q[2]) - 128 == 64);  // 63.5 -> 64
}

TEST_CASE("QuantLinear llm-int8 equals the scalar LLM.int8() reference on odd shapes", "[llm-int8]") {
  std::mt19937 rng(7);
  for (std::size_t k : {1, 3, 15, 17, 33, 255})
    for (std::size_t n : {1, 3, 17})
      for (std::size_t batch : {1, 2, 5, 64})
        for (bool per_channel : {true, false}) {
          QuantLinearOptions o;
          o.per_channel = per_channel;
          o.symmetric = per_channel;  // affine per-tensor weights too: the modes take any weight scheme
          o.mode = ForwardMode::llm_int8;
          const Linear fp32 = random_linear(k, n, rng);
          const QuantLinear layer = QuantLinear::from_linear(fp32, o);
          const std::vector<float> x = activations_with_outlier_columns(batch, k, k > 3 ? 2 : 1, 20.0f, rng);
          const std::vector<float> y = layer.forward(x, static_cast<std::ptrdiff_t>(batch));
          std::vector<float> expected(batch * n);
          const QuantizedTensor w = layer.weight();
          const std::size_t outliers =
              kernels::linear_llm_int8(x.data(), batch, view_of(w), layer.bias().data(), 6.0f, expected.data());
          INFO("k=" << k << " n=" << n << " batch=" << batch << " per_channel=" << per_channel);
          CHECK(layer.last_outlier_columns() == outliers);
          CHECK(outliers >= 1);
          // The int8 part is exact in both; the fp32 outlier part sums in a different order.
          const double bound = 1e-5 * std::max(1.0, max_abs(expected));
          for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(std::abs(y[i] - expected[i]) <= bound);
        }
}

TEST_CASE("llm-int8 without outliers is W8A8 with symmetric per-row activations, bit for bit", "[llm-int8]") {
  std::mt19937 rng(3);
  const std::size_t k = 33, n = 17, batch = 5;
  QuantLinearOptions o;
  o.mode = ForwardMode::llm_int8;
  const QuantLinear layer = QuantLinear::from_linear(random_linear(k, n, rng), o);
  const std::vector<float> x = activations_with_outlier_columns(batch, k, 0, 1.0f, rng);  // |x| < 6 here
  REQUIRE(max_abs(x) < 6.0);
  const std::vector<float> y = layer.forward(x, batch);
  CHECK(layer.last_outlier_columns() == 0);
  std::vector<uint8_t> q(batch * k);
  std::vector<float> scale(batch);
  std::vector<int32_t> zp(batch);
  std::vector<std::size_t> columns(k);
  kernels::quantize_rows_llm_int8(x.data(), batch, k, 6.0f, q.data(), k, scale.data(), zp.data(), columns.data());
  std::vector<float> expected(batch * n);
  const QuantizedTensor w = layer.weight();
  kernels::linear_w8a8({q.data(), scale.data(), zp.data(), batch, k, k}, view_of(w), layer.bias().data(),
                       expected.data());
  CHECK(y == expected);
}

TEST_CASE("LLM.int8() keeps outlier columns accurate where plain dynamic W8A8 loses them", "[llm-int8]") {
  std::mt19937 rng(2022);
  const std::size_t k = 1024, n = 256, batch = 16;
  const Linear fp32 = random_linear(k, n, rng);
  QuantLinearOptions o;
  o.range = RangeVariant::restricted;  // bitsandbytes' weights: absmax / 127 per output row
  o.mode = ForwardMode::dynamic;
  const QuantLinear dynamic = QuantLinear::from_linear(fp32, o);
  o.mode = ForwardMode::llm_int8;
  const QuantLinear llm = QuantLinear::from_linear(fp32, o);
  o.mode = ForwardMode::weight_only;
  const QuantLinear weight_only = QuantLinear::from_linear(fp32, o);
  // 6 of 1024 feature columns with |x| >= 30, the rest N(0, 1).
  const std::vector<float> x = activations_with_outlier_columns(batch, k, 6, 30.0f, rng);
  const std::vector<float> reference = fp32.forward(x, batch);
  const double dynamic_error = compute_error_metrics(reference, dynamic.forward(x, batch)).mse;
  const double llm_error = compute_error_metrics(reference, llm.forward(x, batch)).mse;
  const double weight_only_error = compute_error_metrics(reference, weight_only.forward(x, batch)).mse;
  CHECK(llm.last_outlier_columns() == 6);
  UNSCOPED_INFO("MSE vs fp32: dynamic " << dynamic_error << ", llm-int8 " << llm_error << ", weight-only "
                                        << weight_only_error << "; dynamic / llm-int8 = "
                                        << dynamic_error / llm_error);
  CHECK(dynamic_error / llm_error > 10.0);
  // And the activation quantization it keeps costs little next to the weights' own error.
  CHECK(llm_error < 3.0 * weight_only_error);
}

TEST_CASE("static mode quantizes inputs with the calibrated qparams, clamping outside them", "[static]") {
  std::mt19937 rng(5);
  const std::size_t k = 17, n = 3, batch = 3;
  QParams in;
  in.dtype = QuantDtype::quint8;
  in.scheme = QScheme::per_tensor_affine;
  in.qmin = 0;
  in.qmax = 255;
  in.scale = {0.02f};
  in.zero_point = {100};
  QuantLinearOptions o;
  o.mode = ForwardMode::static_int8;
  const QuantLinear layer = QuantLinear::from_linear(random_linear(k, n, rng), o, in);
  std::vector<float> x(batch * k);
  std::uniform_real_distribution<float> u(-3.0f, 4.0f);  // past both ends of [-2, 3.1]
  for (auto& v : x) v = u(rng);
  const std::vector<float> y = layer.forward(x, batch);
  std::vector<uint8_t> q(batch * k);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float r = std::nearbyint(x[i] * (1.0f / 0.02f)) + 100.0f;
    q[i] = static_cast<uint8_t>(std::min(std::max(r, 0.0f), 255.0f));
  }
  CHECK(std::count(q.begin(), q.end(), 0) > 0);
  CHECK(std::count(q.begin(), q.end(), 255) > 0);
  const std::vector<float> scale(batch, 0.02f);
  const std::vector<int32_t> zp(batch, 100);
  std::vector<float> expected(batch * n);
  const QuantizedTensor w = layer.weight();
  kernels::linear_w8a8({q.data(), scale.data(), zp.data(), batch, k, k}, view_of(w), layer.bias().data(),
                       expected.data());
  CHECK(y == expected);
}

TEST_CASE("bad llm-int8 and static settings are refused with a clear error", "[llm-int8][static][bad-input]") {
  std::mt19937 rng(1);
  const Linear fp32 = random_linear(4, 2, rng);
  QuantLinearOptions o;
  o.mode = ForwardMode::llm_int8;
  o.outlier_threshold = -1.0f;
  CHECK_THROWS_WITH(QuantLinear::from_linear(fp32, o), Catch::Contains("outlier threshold"));
  o.outlier_threshold = NAN;
  CHECK_THROWS_WITH(QuantLinear::from_linear(fp32, o), Catch::Contains("outlier threshold"));
  o.outlier_threshold = 6.0f;
  QuantLinear layer = QuantLinear::from_linear(fp32, o);
  CHECK_THROWS_WITH(layer.set_outlier_threshold(INFINITY), Catch::Contains("outlier threshold"));
  CHECK(layer.outlier_threshold() == 6.0f);
  CHECK_THROWS_WITH(layer.set_mode(ForwardMode::static_int8), Catch::Contains("calibrated"));
  CHECK(layer.mode() == ForwardMode::llm_int8);
  o.mode = ForwardMode::static_int8;
  CHECK_THROWS_WITH(QuantLinear::from_linear(fp32, o), Catch::Contains("prepare()"));
  QParams wrong;
  wrong.dtype = QuantDtype::qint8;
  wrong.scheme = QScheme::per_tensor_symmetric;
  wrong.scale = {0.1f};
  wrong.zero_point = {0};
  CHECK_THROWS_WITH(QuantLinear::from_linear(fp32, o, wrong), Catch::Contains("quint8"));
  CHECK_THROWS_WITH(parse_forward_mode("llm-int4"), Catch::Contains("'llm-int8'"));
}

TEST_CASE("MovingAverageMinMaxObserver follows PyTorch's update rule", "[observers][static]") {
  MovingAverageMinMaxObserver::Options options;
  options.averaging_constant = 0.5f;
  MovingAverageMinMaxObserver observer(options);
  observer.observe(std::vector<float>{0.0f, 1.0f});
  CHECK(observer.min_val() == 0.0f);
  CHECK(observer.max_val() == 1.0f);
  observer.observe(std::vector<float>{-1.0f, 3.0f});
  CHECK(observer.min_val() == -0.5f);
  CHECK(observer.max_val() == 2.0f);
  // Same qparams as a MinMaxObserver that saw exactly [-0.5, 2].
  MinMaxObserver min_max;
  min_max.observe(std::vector<float>{-0.5f, 2.0f});
  CHECK(observer.calculate_qparams().scale == min_max.calculate_qparams().scale);
  CHECK(observer.calculate_qparams().zero_point == min_max.calculate_qparams().zero_point);
  options.averaging_constant = 0.0f;
  CHECK_THROWS_WITH(MovingAverageMinMaxObserver(options), Catch::Contains("averaging_constant"));
  CHECK_THROWS(observer.observe(std::vector<float>{1.0f, NAN}));
  CHECK(observer.max_val() == 2.0f);
}

TEST_CASE("PercentileObserver clips rare extremes and its percentiles track the exact ones", "[observers][static]") {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // Within one log-spaced bin (2^(1/32): 2.2%) of the exact order statistic, whatever else was seen.
  const auto close_to = [](float estimate, float exact) {
    return std::abs(estimate - exact) <= 0.022 * std::abs(exact) + 1e-6;
  };
  for (const double percentile : {99.0, 99.9, 99.99}) {
    PercentileObserver::Options options;
    options.percentile = percentile;
    PercentileObserver observer(options);
    std::vector<float> all;
    // Batches of growing spread, then one huge value: the bulk must keep its resolution.
    for (int batch = 0; batch < 8; ++batch) {
      std::vector<float> x(12500);
      for (auto& v : x) v = normal(rng) * static_cast<float>(1 + batch % 3);
      observer.observe(x);
      all.insert(all.end(), x.begin(), x.end());
    }
    observer.observe(std::vector<float>{1e4f});
    all.push_back(1e4f);
    std::sort(all.begin(), all.end());
    const auto exact = [&](double p) { return all[static_cast<std::size_t>(std::ceil(p / 100.0 * all.size())) - 1]; };
    INFO("percentile " << percentile << ": max_val " << observer.max_val() << " vs exact " << exact(percentile)
                       << ", min_val " << observer.min_val() << " vs exact " << exact(100.0 - percentile));
    CHECK(observer.seen_max() == 1e4f);
    CHECK(close_to(observer.max_val(), exact(percentile)));
    CHECK(close_to(observer.min_val(), exact(100.0 - percentile)));
    CHECK(observer.max_val() < 20.0f);  // the 1e4 did not stretch the range
  }
  // ReLU-like inputs: the lower percentile is exactly 0, so the zero point stays 0.
  PercentileObserver relu;
  std::vector<float> positive(10000);
  for (auto& v : positive) v = std::max(0.0f, normal(rng));
  relu.observe(positive);
  CHECK(relu.min_val() == 0.0f);
  CHECK(relu.calculate_qparams().zero_point[0] == 0);
  // percentile 100 is MinMax.
  PercentileObserver::Options options;
  options.percentile = 100.0;
  PercentileObserver extremes(options);
  extremes.observe(std::vector<float>{-3.0f, 0.5f, 1e4f});
  CHECK(extremes.min_val() == -3.0f);
  CHECK(extremes.max_val() == 1e4f);
  // A constant input: its value, not the bin's edge.
  PercentileObserver constant;
  constant.observe(std::vector<float>(100, 2.0f));
  CHECK(constant.max_val() == 2.0f);
  CHECK(constant.min_val() == 2.0f);
  options.percentile = 40.0;
  CHECK_THROWS_WITH(PercentileObserver(options), Catch::Contains("percentile"));
  CHECK_THROWS(constant.observe(std::vector<float>{INFINITY}));
  CHECK(constant.max_val() == 2.0f);
}

TEST_CASE("prepare -> calibrate -> convert gives static layers with the observed input qparams", "[static]") {
  std::mt19937 rng(11);
  Model model;
  model.add("fc1", random_linear(12, 20, rng), Activation::relu);
  model.add("fc2", random_linear(20, 5, rng));
  PreparedModel prepared = prepare(model);
  CHECK_THROWS_WITH(convert(prepared), Catch::Contains("calibration"));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  MinMaxObserver first, second;
  for (int round = 0; round < 3; ++round) {
    std::vector<float> x(4 * 12);
    for (auto& v : x) v = normal(rng);
    const std::vector<float> y = prepared.forward(x, 4);
    CHECK(y == model.forward(x, 4));  // calibration runs the model as it is
    first.observe(x);
    second.observe(model.forward_each_layer(x, 4)[0]);
  }
  CHECK(prepared.calibration_rows() == 12);
  CHECK_THROWS_WITH(convert(prepared, {}, {"fc3"}), Catch::Contains("fc3"));
  const Model converted = convert(prepared, {}, {"fc2"});
  const auto& fc1 = std::get<QuantLinear>(converted.layer("fc1").op);
  CHECK(fc1.mode() == ForwardMode::static_int8);
  CHECK(fc1.input_qparams()->scale == first.calculate_qparams().scale);
  CHECK(fc1.input_qparams()->zero_point == first.calculate_qparams().zero_point);
  CHECK_FALSE(converted.layer("fc2").is_quantized());
  const Model both = convert(prepared);
  CHECK(std::get<QuantLinear>(both.layer("fc2").op).input_qparams()->scale == second.calculate_qparams().scale);
  // A bad calibration batch changes nothing.
  std::vector<float> bad(12, 0.0f);
  bad[3] = NAN;
  CHECK_THROWS(prepared.forward(bad, 1));
  CHECK(prepared.calibration_rows() == 12);
}

TEST_CASE("llm-int8 threshold and static input qparams survive save and load", "[llm-int8][static][io]") {
  std::mt19937 rng(13);
  Model model;
  model.add("a", random_linear(9, 7, rng), Activation::relu);
  model.add("b", random_linear(7, 4, rng));
  PreparedModel prepared = prepare(model, {ActivationObserverKind::moving_average_min_max});
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> x(6 * 9);
  for (auto& v : x) v = normal(rng);
  prepared.forward(x, 6);
  Model quantized = convert(prepared);
  QuantLinearOptions o;
  o.mode = ForwardMode::llm_int8;
  o.outlier_threshold = 2.5f;
  quantized = Model().add("a", std::get<QuantLinear>(quantized.layer("a").op), Activation::relu)
                  .add("b", QuantLinear::from_linear(std::get<Linear>(model.layer("b").op), o));
  const Model loaded = load_model(SafetensorsFile::parse(save_model(quantized)), {});
  const auto& a = std::get<QuantLinear>(loaded.layer("a").op);
  const auto& b = std::get<QuantLinear>(loaded.layer("b").op);
  CHECK(a.mode() == ForwardMode::static_int8);
  CHECK(a.input_qparams()->scale == std::get<QuantLinear>(quantized.layer("a").op).input_qparams()->scale);
  CHECK(b.mode() == ForwardMode::llm_int8);
  CHECK(b.outlier_threshold() == 2.5f);
  CHECK(loaded.forward(x, 6) == quantized.forward(x, 6));
}
