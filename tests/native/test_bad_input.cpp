// Bad input gets a qlinear::Error whose message names the problem.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "qlinear/checks.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Contains;

TEST_CASE("empty tensors are refused", "[bad-input]") {
  const std::vector<float> empty;
  CHECK_THROWS_AS(get_symmetric_qparams(empty), Error);
  CHECK_THROWS_WITH(get_asymmetric_qparams(empty), Contains("empty tensor"));
  QParams qp;
  qp.scale = {1.0f};
  qp.zero_point = {0};
  CHECK_THROWS_WITH(quantize_tensor(empty, qp), Contains("empty tensor"));
}

TEST_CASE("a shape that does not hold the values is refused", "[bad-input]") {
  const std::vector<float> x{1, 2, 3, 4, 5};
  QuantOptions o;
  o.per_channel = true;
  CHECK_THROWS_WITH(get_symmetric_qparams(x, {2, 3}, o),
                    Contains("shape [2, 3] has 6 elements but 5 values were given"));
  CHECK_THROWS_WITH(get_symmetric_qparams(x, {-1, -5}, o), Contains("negative dimension"));
}

TEST_CASE("an axis outside the tensor is refused", "[bad-input]") {
  const std::vector<float> x{1, 2, 3, 4, 5, 6};
  QuantOptions o;
  o.per_channel = true;
  o.axis = 2;
  CHECK_THROWS_WITH(get_symmetric_qparams(x, {2, 3}, o), Contains("axis 2 is out of range for a tensor of rank 2"));
  o.axis = -3;
  CHECK_THROWS_WITH(get_asymmetric_qparams(x, {2, 3}, o), Contains("axis -3 is out of range"));
}

TEST_CASE("NaN and infinities are refused with their position", "[bad-input]") {
  CHECK_THROWS_WITH(get_symmetric_qparams(std::vector<float>{1.0f, NAN}), Contains("NaN at index 1"));
  CHECK_THROWS_WITH(get_asymmetric_qparams(std::vector<float>{INFINITY}), Contains("+Inf at index 0"));
  QParams qp;
  qp.scale = {1.0f};
  qp.zero_point = {0};
  CHECK_THROWS_WITH(quantize_tensor(std::vector<float>{0.0f, 1.0f, -INFINITY}, qp), Contains("-Inf at index 2"));
  CHECK_THROWS_WITH(fake_quantize_tensor(std::vector<float>{NAN}, qp), Contains("NaN"));
}

TEST_CASE("qparams that cannot be used are refused", "[bad-input]") {
  const std::vector<float> x{1, 2, 3, 4};
  QParams qp;
  qp.zero_point = {0};
  for (float bad : {0.0f, -1.0f, NAN, INFINITY, 1e-40f}) {
    qp.scale = {bad};
    CHECK_THROWS_WITH(quantize_tensor(x, qp), Contains("must be positive"));
  }
  qp.scale = {1.0f};
  qp.zero_point = {200};
  CHECK_THROWS_WITH(quantize_tensor(x, qp), Contains("zero point 200 of channel 0 lies outside [-128, 127] (qint8)"));
  qp.zero_point = {100};
  qp.qmin = -10;
  qp.qmax = 10;
  CHECK_THROWS_WITH(fake_quantize_tensor(x, qp), Contains("zero point 100 of channel 0 lies outside [-10, 10]"));
  qp.zero_point = {0};
  qp.qmin = -1000;
  qp.qmax = 1000;
  CHECK_THROWS_WITH(fake_quantize_tensor(x, qp), Contains("qparams range [-1000, 1000] is not a range inside qint8"));
  qp.qmin = -128;
  qp.qmax = 127;
  qp.zero_point = {0, 0};
  CHECK_THROWS_WITH(quantize_tensor(x, qp), Contains("1 scales but 2 zero points"));
  qp.scheme = QScheme::per_channel_symmetric;
  qp.axis = 0;
  qp.scale = {1.0f, 1.0f, 1.0f};
  qp.zero_point = {0, 0, 0};
  CHECK_THROWS_WITH(quantize_tensor(x, qp, {2, 2}), Contains("3 channels but axis 0 of shape [2, 2] has 2"));
}

TEST_CASE("finite values whose range overflows a float32 scale are refused", "[bad-input]") {
  const std::vector<float> wide{-3e38f, 3e38f};
  CHECK_THROWS_WITH(get_asymmetric_qparams(wide), Contains("wider than a float32 scale can represent"));
  CHECK(get_symmetric_qparams(wide).scale[0] > 0.0f);  // absmax / 127.5 stays finite
}

TEST_CASE("values so close to the float32 limit that dequantizing would overflow are refused", "[bad-input][fuzz]") {
  // Found by fuzz_quantize_forward: symmetric quint8 has zero point 128, so q = 0 dequantizes to
  // -128 · absmax / 127.5, past FLT_MAX when absmax is near it.
  const std::vector<float> near_max{3.4e38f, -3.39e38f};
  QuantOptions o;
  o.dtype = QuantDtype::quint8;
  CHECK_THROWS_WITH(get_symmetric_qparams(near_max, {}, o), Contains("would dequantize past the float32 limit"));
  QParams qp;
  qp.scale = {3e36f};
  qp.zero_point = {0};
  CHECK_THROWS_WITH(dequantize_tensor(make_quantized_tensor(std::vector<int32_t>{-128}, qp)), Contains("is too large"));
}

TEST_CASE("option combinations without a meaning are refused", "[bad-input]") {
  const std::vector<float> x{1, 2};
  QuantOptions o;
  o.dtype = QuantDtype::quint8;
  o.range = RangeVariant::restricted;
  CHECK_THROWS_WITH(get_symmetric_qparams(x, {}, o), Contains("restricted range [-127, 127] exists for qint8 only"));
  MinMaxObserver::Options per_channel_scheme;
  per_channel_scheme.qscheme = QScheme::per_channel_affine;
  CHECK_THROWS_WITH(MinMaxObserver(per_channel_scheme), Contains("use PerChannelMinMaxObserver"));
  PerChannelMinMaxObserver::Options per_tensor_scheme;
  per_tensor_scheme.qscheme = QScheme::per_tensor_symmetric;
  CHECK_THROWS_WITH(PerChannelMinMaxObserver(per_tensor_scheme), Contains("use MinMaxObserver"));
  CHECK_THROWS_WITH(parse_dtype("int4"), Contains("unknown dtype 'int4'"));
  CHECK_THROWS_WITH(parse_qscheme("per_row"), Contains("unknown qscheme 'per_row'"));
  CHECK_THROWS_WITH(parse_range_variant("narrow"), Contains("unknown range variant 'narrow'"));
}

TEST_CASE("all_finite finds a NaN or infinity at any position of odd-sized spans, and nothing in finite extremes",
          "[checks]") {
  const float extremes[] = {std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::denorm_min(), -0.0f, 0.0f, 1.0f};
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (std::size_t n : {1, 3, 4, 15, 16, 17, 33, 255}) {
    std::vector<float> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = extremes[i % std::size(extremes)];
    CHECK(qlinear::all_finite(values));
    CHECK_NOTHROW(qlinear::require_finite(values, "values"));
    for (std::size_t at = 0; at < n; at += (n > 20 ? 7 : 1))
      for (float b : bad) {
        std::vector<float> with_bad = values;
        with_bad[at] = b;
        INFO("n " << n << " at " << at << " value " << b);
        CHECK_FALSE(qlinear::all_finite(with_bad));
        CHECK_THROWS_WITH(qlinear::require_finite(with_bad, "values"), Contains("at index " + std::to_string(at)));
      }
  }
}
