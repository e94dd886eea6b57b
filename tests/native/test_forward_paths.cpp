// The forward paths the bindings use (forward_into, forward_each_layer_into) give what the
// vector-returning ones give, and forward_bytes says what a pass allocates.
#include <catch2/catch.hpp>

#include <vector>

#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Matchers::Contains;

namespace {
std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
  return v;
}

Model three_layers() {
  Model m;
  m.add("a", Linear(5, 17, ramp(85, 0.1f), ramp(17, 0.01f)), Activation::relu)
      .add("b", Linear(17, 33, ramp(561, 0.05f)), Activation::gelu)
      .add("c", Linear(33, 3, ramp(99, 0.02f), ramp(3, 0.1f)));
  return m;
}
}  // namespace

TEST_CASE("forward_each_layer_into writes what forward_each_layer returns, one layer after another", "[model]") {
  QuantLinearOptions o;
  o.mode = ForwardMode::dynamic;
  for (const Model& m : {three_layers(), quantize_model_weights(three_layers(), o, {"b"})}) {
    const std::vector<float> x = ramp(5 * 3, 0.3f);
    const auto each = m.forward_each_layer(x, 3);
    std::vector<float> joined;
    for (const auto& y : each) joined.insert(joined.end(), y.begin(), y.end());
    std::vector<float> into(joined.size());
    m.forward_each_layer_into(x, 3, into);
    CHECK(into == joined);
    std::vector<float> short_output(joined.size() - 1);
    CHECK_THROWS_WITH(m.forward_each_layer_into(x, 3, short_output), Contains("needs " + std::to_string(joined.size())));
  }
}

TEST_CASE("forward_bytes: the scratch a forward pass takes, by layer and for the model", "[model]") {
  const Model m = three_layers();
  // Two buffers for the layers in between (the widest is b's 33 outputs); fp32 layers take none.
  CHECK(m.forward_bytes(4) == 2 * 4 * 33 * sizeof(float));
  CHECK(m.forward_bytes(0) == 0);
  QuantLinearOptions o;
  o.mode = ForwardMode::dynamic;
  const QuantLinear q = QuantLinear::from_linear(Linear(17, 33, ramp(561, 0.05f)), o);
  // Quantized input rows padded to 16 bytes, with a scale and zero point each.
  CHECK(q.forward_bytes(3) == 3 * (32 + 4 + 4));
  o.mode = ForwardMode::weight_only;
  CHECK(QuantLinear::from_linear(Linear(17, 33, ramp(561, 0.05f)), o).forward_bytes(3) == 3 * 32 * sizeof(float));
  CHECK(QuantLinear::from_linear(Linear(16, 33, ramp(528, 0.05f)), o).forward_bytes(3) == 0);
}

TEST_CASE("PreparedModel::forward_into gives forward's output and observes the same rows", "[calibration]") {
  PreparedModel a = prepare(three_layers());
  PreparedModel b = prepare(three_layers());
  const std::vector<float> x = ramp(5 * 2, 0.7f);
  const std::vector<float> y = a.forward(x, 2);
  std::vector<float> into(y.size());
  b.forward_into(x, 2, into);
  CHECK(into == y);
  CHECK(b.calibration_rows() == 2);
  const auto sa = a.observer_summaries();
  const auto sb = b.observer_summaries();
  REQUIRE(sa.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(sb[i].layer == sa[i].layer);
    CHECK(sb[i].min_val == sa[i].min_val);
    CHECK(sb[i].qparams->scale == sa[i].qparams->scale);
  }
  CHECK(b.forward_bytes(2) == 2 * (5 + 17 + 33) * sizeof(float));
  std::vector<float> wrong(y.size() + 1);
  CHECK_THROWS_WITH(b.forward_into(x, 2, wrong), Contains("the output has room for"));
  CHECK(b.calibration_rows() == 2);  // a refused call observes nothing
  CHECK_FALSE(prepare(three_layers()).observer_summaries()[0].observed);
}
