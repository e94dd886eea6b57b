// Linear and QuantLinear: the forward formulas, checked against independent computations.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "qlinear/qlinear.hpp"

using namespace qlinear;

namespace {

std::vector<float> random_values(std::size_t n, unsigned seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// y = x · Wᵀ + b in double, written independently of the kernels.
std::vector<double> matmul(const std::vector<float>& x, std::size_t batch, const std::vector<float>& w,
                           const std::vector<float>& b, std::size_t in, std::size_t out) {
  std::vector<double> y(batch * out);
  for (std::size_t r = 0; r < batch; ++r)
    for (std::size_t j = 0; j < out; ++j) {
      double acc = b.empty() ? 0.0 : b[j];
      for (std::size_t k = 0; k < in; ++k) acc += static_cast<double>(x[r * in + k]) * w[j * in + k];
      y[r * out + j] = acc;
    }
  return y;
}

void require_close(const std::vector<float>& got, const std::vector<double>& want, double tolerance) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": " << got[i] << " vs " << want[i]);
    CHECK(std::fabs(got[i] - want[i]) <= tolerance * (1.0 + std::fabs(want[i])));
  }
}

}  // namespace

TEST_CASE("Linear computes x·Wᵀ + b", "[linear]") {
  const Linear layer(3, 2, {1, 2, 3, 4, 5, 6}, {0.5f, -1.0f});
  CHECK(layer.forward(std::vector<float>{1, 0, -1, 2, 1, 0}, 2) == std::vector<float>{-1.5f, -3.0f, 4.5f, 12.0f});
  const Linear no_bias(2, 1, {1, 1});
  CHECK(no_bias.forward(std::vector<float>{2, 3}, 1) == std::vector<float>{5});
}

TEST_CASE("QuantLinear weight-only equals x·((q − z)·s)ᵀ + b for every scheme", "[quant_linear]") {
  for (std::size_t in : {1u, 3u, 17u, 64u}) {
    for (std::size_t out : {1u, 5u, 9u}) {
      const std::vector<float> w = random_values(in * out, static_cast<unsigned>(in * 31 + out), 0.3f);
      const std::vector<float> b = random_values(out, 5);
      const std::vector<float> x = random_values(3 * in, 11);
      const Linear linear(static_cast<std::ptrdiff_t>(in), static_cast<std::ptrdiff_t>(out), w, b);
      for (bool symmetric : {true, false})
        for (bool per_channel : {true, false})
          for (QuantDtype dtype : {QuantDtype::qint8, QuantDtype::quint8}) {
            QuantLinearOptions o;
            o.symmetric = symmetric;
            o.per_channel = per_channel;
            o.dtype = dtype;
            const QuantLinear q = QuantLinear::from_linear(linear, o);
            INFO("in " << in << " out " << out << " symmetric " << symmetric << " per_channel " << per_channel);
            require_close(q.forward(x, 3), matmul(x, 3, q.dequantized_weight(), b, in, out), 1e-5);
          }
    }
  }
}

TEST_CASE("QuantLinear dynamic equals fake-quantized rows times dequantized weights", "[quant_linear]") {
  // (xq − zx)·sx is the fake-quantized activation, so the int32 path must agree with this
  // float computation up to float rounding: an independent check of the integer algebra.
  const std::size_t in = 33, out = 7, batch = 4;
  const std::vector<float> w = random_values(in * out, 3, 0.2f);
  const std::vector<float> b = random_values(out, 4);
  std::vector<float> x = random_values(batch * in, 9);
  for (std::size_t k = 0; k < in; ++k) x[k] = std::fabs(x[k]) + 0.5f;  // an all-positive row: zx = 0
  x[2 * in + 5] = 40.0f;                                                 // an outlier row
  const Linear linear(in, out, w, b);
  for (bool symmetric : {true, false}) {
    QuantLinearOptions o;
    o.symmetric = symmetric;
    o.mode = ForwardMode::dynamic;
    const QuantLinear q = QuantLinear::from_linear(linear, o);
    std::vector<float> x_fake;
    for (std::size_t r = 0; r < batch; ++r) {
      const std::vector<float> row(x.begin() + static_cast<std::ptrdiff_t>(r * in), x.begin() + static_cast<std::ptrdiff_t>((r + 1) * in));
      QuantOptions act;
      act.dtype = QuantDtype::quint8;
      const std::vector<float> fq = fake_quantize_tensor(row, get_asymmetric_qparams(row, {}, act));
      x_fake.insert(x_fake.end(), fq.begin(), fq.end());
    }
    INFO("symmetric " << symmetric);
    require_close(q.forward(x, batch), matmul(x_fake, batch, q.dequantized_weight(), b, in, out), 1e-5);
  }
}

TEST_CASE("QuantLinear keeps integers, scales, zero points and bias, not fp32 weights", "[quant_linear]") {
  const Linear linear(64, 128, random_values(64 * 128, 1), random_values(128, 2));
  QuantLinearOptions per_channel;
  const QuantLinear q = QuantLinear::from_linear(linear, per_channel);
  CHECK(q.parameter_bytes() == 64 * 128 + 128 * (4 + 4) + 128 * 4);
  CHECK(q.weight().storage.size() == 64 * 128);
  QuantLinearOptions per_tensor;
  per_tensor.per_channel = false;
  CHECK(QuantLinear::from_linear(linear, per_tensor).parameter_bytes() == 64 * 128 + 8 + 128 * 4);
}

TEST_CASE("activations", "[activation]") {
  std::vector<float> v{-2.0f, 0.0f, 1.0f, 3.0f};
  apply_activation(Activation::relu, v, 1, 4);
  CHECK(v == std::vector<float>{0.0f, 0.0f, 1.0f, 3.0f});
  std::vector<float> g{-1.0f, 0.0f, 1.0f};
  apply_activation(Activation::gelu, g, 1, 3);
  CHECK(g[0] == Approx(-0.15865525393145707));  // PyTorch's F.gelu (erf form)
  CHECK(g[2] == Approx(0.8413447460685429));
  std::vector<float> s{1000.0f, 1001.0f, 0.0f, 0.0f};
  apply_activation(Activation::softmax, s, 2, 2);
  CHECK(s[0] + s[1] == Approx(1.0f));
  CHECK(s[1] == Approx(0.7310585786300049));
  CHECK(s[2] == Approx(0.5f));
  std::vector<float> t{0.5f};
  apply_activation(Activation::silu, t, 1, 1);
  CHECK(t[0] == Approx(0.5 / (1.0 + std::exp(-0.5))));
  CHECK(parse_activation("none") == Activation::identity);
  CHECK_THROWS_WITH(parse_activation("swish"), Catch::Contains("unknown activation 'swish'"));
}

TEST_CASE("layers refuse bad shapes and non-finite numbers", "[bad-input]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(Linear(3, 2, {1, 2, 3}), Contains("weight has 3 values, but [2, 3] needs 6"));
  CHECK_THROWS_WITH(Linear(0, 2, {}), Contains("in_features must be positive"));
  CHECK_THROWS_WITH(Linear(2, 1, {1, NAN}), Contains("Linear weight contains NaN at index 1"));
  CHECK_THROWS_WITH(Linear(2, 1, {1, 1}, {INFINITY}), Contains("Linear bias contains +Inf"));
  CHECK_THROWS_WITH(Linear(2, 1, {1, 1}, {1, 2}), Contains("bias has 2 values"));
  const Linear layer(2, 1, {1, 1});
  CHECK_THROWS_WITH(layer.forward(std::vector<float>{1, 2, 3}, 2), Contains("input has 3 values, but batch 2 x 2 features needs 4"));
  CHECK_THROWS_WITH(layer.forward(std::vector<float>{1, 2}, 0), Contains("batch must be positive, got 0"));
  CHECK_THROWS_WITH(layer.forward(std::vector<float>{1, 2}, -1), Contains("batch must be positive, got -1"));
  CHECK_THROWS_WITH(layer.forward(std::vector<float>{NAN, 2}, 1), Contains("forward input contains NaN at index 0"));
  // Finite everywhere, but the product overflows float32: the model names the layer.
  Model overflowing;
  overflowing.add("big", Linear(2, 1, {3e38f, 3e38f}));
  CHECK_THROWS_WITH(overflowing.forward(std::vector<float>{10, 10}, 1), Contains("output of layer 'big' contains +Inf"));
  const QuantLinear q = QuantLinear::from_linear(layer);
  CHECK_THROWS_WITH(q.forward(std::vector<float>{1}, 1), Contains("QuantLinear forward: input has 1 values"));
}

TEST_CASE("dynamic mode refuses inner dimensions that could overflow int32", "[bad-input]") {
  const std::size_t in = kMaxDynamicInFeatures + 1;
  const Linear wide(static_cast<std::ptrdiff_t>(in), 1, std::vector<float>(in, 0.5f));
  QuantLinearOptions o;
  o.mode = ForwardMode::dynamic;
  CHECK_THROWS_WITH(QuantLinear::from_linear(wide, o), Catch::Contains("at most 33025 input features"));
  QuantLinear weight_only = QuantLinear::from_linear(wide);
  CHECK_THROWS_WITH(weight_only.set_mode(ForwardMode::dynamic), Catch::Contains("at most 33025"));
  CHECK(weight_only.mode() == ForwardMode::weight_only);
}
