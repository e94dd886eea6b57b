// Observer behaviour beyond the fixtures: PyTorch's defaults, per-channel bookkeeping, and
// state left untouched by a rejected call.
#include <catch2/catch.hpp>

#include <vector>

#include "fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using fixtures::bits;

TEST_CASE("observer defaults are PyTorch's", "[observer]") {
  MinMaxObserver per_tensor;
  CHECK(per_tensor.options().dtype == QuantDtype::quint8);
  CHECK(per_tensor.options().qscheme == QScheme::per_tensor_affine);
  CHECK(per_tensor.quant_range().min == 0);
  CHECK(per_tensor.quant_range().max == 255);
  PerChannelMinMaxObserver per_channel;
  CHECK(per_channel.options().qscheme == QScheme::per_channel_affine);
  CHECK(per_channel.options().ch_axis == 0);
}

TEST_CASE("tutorial's MinMaxObserver(dtype=torch.qint8) on [3.0, -5.5, 0.0, 6.0, -6.0, 2.5]", "[observer]") {
  // Seed 002 prints this case: PyTorch's asymmetric qint8 gives scale 12/255 and zero point 0,
  // the same scale as the symmetric 6/127.5 because the range is already symmetric.
  MinMaxObserver::Options o;
  o.dtype = QuantDtype::qint8;
  MinMaxObserver observer(o);
  const std::vector<float> x{3.0f, -5.5f, 0.0f, 6.0f, -6.0f, 2.5f};
  observer.observe(x);
  const QParams qp = observer.calculate_qparams();
  CHECK(qp.scale[0] == Approx(0.0470588244497776).epsilon(1e-9));
  CHECK(qp.zero_point[0] == 0);
  const QuantizedTensor q = quantize_tensor(x, qp);
  CHECK(q.int_values() == std::vector<int32_t>{64, -117, 0, 127, -128, 53});
}

TEST_CASE("per-channel observer accepts new shapes with the same channel count", "[observer]") {
  PerChannelMinMaxObserver::Options o;
  o.dtype = QuantDtype::qint8;
  o.qscheme = QScheme::per_channel_symmetric;
  o.ch_axis = 1;
  PerChannelMinMaxObserver observer(o);
  observer.observe(std::vector<float>{1, -2, 3, 4, 5, -6}, {2, 3});
  observer.observe(std::vector<float>{-10, 0, 0}, {1, 3});
  REQUIRE(observer.min_vals() == std::vector<float>{-10, -2, -6});
  REQUIRE(observer.max_vals() == std::vector<float>{4, 5, 3});
  const QParams qp = observer.calculate_qparams();
  CHECK(qp.axis == 1);
  CHECK(bits(qp.scale[0]) == bits(10.0f / 127.5f));
  CHECK_THROWS_WITH(observer.observe(std::vector<float>{1, 2, 3, 4}, {2, 2}),
                    Catch::Contains("has seen 3 channels") && Catch::Contains("has 2"));
}

TEST_CASE("a rejected observe() leaves the running min and max unchanged", "[observer]") {
  MinMaxObserver observer;
  observer.observe(std::vector<float>{-1.0f, 2.0f});
  const QParams before = observer.calculate_qparams();
  CHECK_THROWS(observer.observe(std::vector<float>{100.0f, NAN}));
  CHECK_THROWS(observer.observe(std::vector<float>{}));
  const QParams after = observer.calculate_qparams();
  CHECK(bits(before.scale[0]) == bits(after.scale[0]));
  CHECK(before.zero_point == after.zero_point);

  PerChannelMinMaxObserver pc;
  pc.observe(std::vector<float>{1, 2, 3, 4}, {2, 2});
  CHECK_THROWS(pc.observe(std::vector<float>{50, INFINITY, 3, 4}, {2, 2}));
  CHECK(pc.max_vals() == std::vector<float>{2, 4});
}

TEST_CASE("negative ch_axis counts from the end, as in PyTorch", "[observer]") {
  const std::vector<float> x{1, -2, 3, 4, 5, -6};
  QuantOptions last;
  last.per_channel = true;
  last.axis = -1;
  QuantOptions explicit_axis = last;
  explicit_axis.axis = 1;
  const QParams a = get_symmetric_qparams(x, {2, 3}, last);
  const QParams b = get_symmetric_qparams(x, {2, 3}, explicit_axis);
  CHECK(a.axis == 1);
  CHECK(a.scale == b.scale);
}
