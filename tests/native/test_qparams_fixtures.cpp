// Every case PyTorch produced (tests/fixtures/quantizer_cases.json) must come out of qlinear
// bit for bit: scale bits, zero points, integer values, dequantized and fake-quantized values.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using fixtures::bits;

namespace {

QParams qparams_for(const fixtures::Case& c, const fixtures::Input& in) {
  return c.symmetric ? get_symmetric_qparams(in.values, in.shape, c.options())
                     : get_asymmetric_qparams(in.values, in.shape, c.options());
}

// Checks one accepted case; returns the number of values compared so the test can prove it
// looked at them.
std::size_t check_case(const fixtures::Case& c) {
  const fixtures::Input& in = fixtures::quantizer_fixtures().inputs.at(c.input);
  INFO(c.label());
  const QParams qp = qparams_for(c, in);
  REQUIRE(qp.qmin == c.qmin);
  REQUIRE(qp.qmax == c.qmax);
  REQUIRE(qp.scheme == make_qscheme(c.symmetric, c.per_channel));
  REQUIRE(qp.scale.size() == c.scale.size());
  for (std::size_t i = 0; i < c.scale.size(); ++i) {
    INFO("channel " << i << ": scale " << qp.scale[i] << " vs PyTorch " << c.scale[i]);
    CHECK(bits(qp.scale[i]) == bits(c.scale[i]));
    CHECK(qp.zero_point[i] == c.zero_point[i]);
  }

  const QuantizedTensor q = quantize_tensor(in.values, qp, in.shape);
  CHECK(q.int_values() == c.q);

  const std::vector<float> dq = dequantize_tensor(q);
  const std::vector<float> fq = fake_quantize_tensor(in.values, qp, in.shape);
  REQUIRE(dq.size() == c.dq.size());
  REQUIRE(fq.size() == c.fq.size());
  std::size_t dq_mismatch = 0, fq_mismatch = 0;
  for (std::size_t i = 0; i < dq.size(); ++i) {
    dq_mismatch += bits(dq[i]) != bits(c.dq[i]);
    fq_mismatch += bits(fq[i]) != bits(c.fq[i]);
  }
  CHECK(dq_mismatch == 0);
  CHECK(fq_mismatch == 0);
  return c.q.size();
}

std::size_t run_cases(bool per_channel) {
  std::size_t cases = 0, values = 0;
  for (const auto& c : fixtures::quantizer_fixtures().cases) {
    if (c.per_channel != per_channel || c.error) continue;
    values += check_case(c);
    ++cases;
  }
  REQUIRE(values > 0);
  return cases;
}

}  // namespace

TEST_CASE("the fixture file holds at least 200 PyTorch cases", "[fixtures]") {
  const auto& f = fixtures::quantizer_fixtures();
  std::size_t accepted = 0;
  for (const auto& c : f.cases) accepted += !c.error;
  CHECK(accepted >= 200);
  for (const char* name : {"tutorial_6", "tutorial_4", "tutorial_8", "all_zeros", "signed_zeros",
                           "one_element", "tiny_1e-8", "large_1e4", "matrix_6x10_axis0"})
    CHECK(f.inputs.count(name) == 1);
}

TEST_CASE("per-tensor qparams, integers and dequantized values match PyTorch bit for bit", "[fixtures]") {
  CHECK(run_cases(false) >= 150);
}

TEST_CASE("per-channel qparams, integers and dequantized values match PyTorch bit for bit", "[fixtures]") {
  CHECK(run_cases(true) >= 50);
}

TEST_CASE("combinations PyTorch refuses are refused with its message", "[fixtures]") {
  std::size_t refused = 0;
  for (const auto& c : fixtures::quantizer_fixtures().cases) {
    if (!c.error) continue;
    INFO(c.label() << " -> PyTorch: " << *c.error);
    const fixtures::Input& in = fixtures::quantizer_fixtures().inputs.at(c.input);
    CHECK_THROWS_WITH(qparams_for(c, in), Catch::Contains("Cannot reduce range for symmetric quantization for quint8"));
    ++refused;
  }
  CHECK(refused > 0);
}

TEST_CASE("observers keep a running min and max across calls, as PyTorch's forward does", "[fixtures]") {
  const auto& f = fixtures::quantizer_fixtures();
  REQUIRE(!f.running.empty());
  for (const auto& r : f.running) {
    MinMaxObserver::Options o;
    o.dtype = QuantDtype::qint8;
    o.qscheme = make_qscheme(r.symmetric, false);
    MinMaxObserver observer(o);
    for (const auto& chunk : r.chunks) observer.observe(f.inputs.at(chunk).values);
    const QParams qp = observer.calculate_qparams();
    CHECK(bits(qp.scale[0]) == bits(r.scale));
    CHECK(qp.zero_point[0] == r.zero_point);
  }
}

TEST_CASE("an observer that saw no data returns PyTorch's defaults", "[fixtures]") {
  const auto& f = fixtures::quantizer_fixtures();
  const QParams a = MinMaxObserver().calculate_qparams();
  const QParams b = PerChannelMinMaxObserver().calculate_qparams();
  CHECK(bits(a.scale[0]) == bits(f.no_data_scale));
  CHECK(a.zero_point[0] == f.no_data_zero_point);
  CHECK(bits(b.scale[0]) == bits(f.no_data_scale));
  CHECK(b.zero_point[0] == f.no_data_zero_point);
}
