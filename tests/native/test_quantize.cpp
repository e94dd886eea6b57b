// quantize / dequantize / fake-quantize properties that hold for any input, checked on random
// tensors, plus the PyTorch clamping rules spelled out.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;

TEST_CASE("round trip error is at most half a step for every scheme", "[quantize]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (int trial = 0; trial < 20; ++trial) {
    const int rows = 1 + trial % 5, cols = 1 + (trial * 7) % 17;
    std::vector<float> x(static_cast<std::size_t>(rows * cols));
    for (float& v : x) v = normal(rng);
    for (bool symmetric : {true, false}) {
      for (bool per_channel : {false, true}) {
        for (QuantDtype dtype : {QuantDtype::qint8, QuantDtype::quint8}) {
          QuantOptions o;
          o.per_channel = per_channel;
          o.dtype = dtype;
          const QParams qp = symmetric ? get_symmetric_qparams(x, {rows, cols}, o)
                                       : get_asymmetric_qparams(x, {rows, cols}, o);
          const std::vector<float> back = dequantize_tensor(quantize_tensor(x, qp, {rows, cols}));
          for (std::size_t i = 0; i < x.size(); ++i) {
            const float s = qp.scale[per_channel ? i / cols : 0];
            INFO("trial " << trial << " element " << i << " symmetric " << symmetric);
            // Half a step; at the clamped end (absmax -> 127.5 -> 127) also the float rounding
            // of s itself, up to 64 ulp(s) ~ 1e-5 s.
            CHECK(std::fabs(back[i] - x[i]) <= 0.5f * s * (1.0f + 1e-4f));
          }
        }
      }
    }
  }
}

TEST_CASE("quantize clamps to the dtype, fake-quantize to the observer range", "[quantize]") {
  // With reduce_range qint8 is observed over [-64, 63], so the absmax lands on 63.5 -> 64:
  // PyTorch stores 64 (inside int8) but fake-quantize clamps it to 63.
  const std::vector<float> x{-1.0f, 1.0f};
  QuantOptions o;
  o.reduce_range = true;
  const QParams qp = get_symmetric_qparams(x, {}, o);
  REQUIRE(qp.qmin == -64);
  REQUIRE(qp.qmax == 63);
  CHECK(quantize_tensor(x, qp).int_values() == std::vector<int32_t>{-64, 64});
  const std::vector<float> fq = fake_quantize_tensor(x, qp);
  CHECK(fq[1] == 63 * qp.scale[0]);
}

TEST_CASE("quantize works with qparams given by hand, per channel on any axis", "[quantize]") {
  QParams qp;
  qp.scheme = QScheme::per_channel_affine;
  qp.dtype = QuantDtype::quint8;
  qp.qmin = 0;
  qp.qmax = 255;
  qp.axis = 0;
  qp.scale = {0.5f, 0.25f};
  qp.zero_point = {10, 200};
  const std::vector<float> x{1.0f, -1.25f, 1000.0f, 1.0f, -1.0f, -1000.0f};
  const QuantizedTensor q = quantize_tensor(x, qp, {2, 3});
  // Row 0: 10 + round(2) / 10 + round(-2.5) = 10 - 2 (ties to even) / clamped to 255.
  CHECK(q.int_values() == std::vector<int32_t>{12, 8, 255, 204, 196, 0});
  CHECK(dequantize_tensor(q) == std::vector<float>{1.0f, -1.0f, 122.5f, 1.0f, -1.0f, -50.0f});
}

TEST_CASE("the restricted variant never uses -128", "[quantize]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-9.0f, 9.0f);
  std::vector<float> x(257);
  for (float& v : x) v = u(rng);
  QuantOptions o;
  o.range = RangeVariant::restricted;
  const QParams qp = get_symmetric_qparams(x, {}, o);
  CHECK(qp.qmin == -127);
  const std::vector<int32_t> q = quantize_tensor(x, qp).int_values();
  CHECK(*std::min_element(q.begin(), q.end()) >= -127);
  CHECK(*std::max_element(q.begin(), q.end()) == 127);
}
