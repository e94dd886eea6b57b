// quantize_rows_u8_fast (kernels/quantize_rows.hpp) against quantize_rows_u8, the reference
// activation quantizer of W8A8: the same bytes, scales and zero points, on odd lengths (vector
// tails), constant rows, huge and tiny magnitudes, values exactly halfway
// between two steps (round half to even); both refuse infinities.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "qlinear/kernels/quantize_rows.hpp"
#include "qlinear/kernels/reference.hpp"

using namespace qlinear::kernels;

namespace {

void check_same(const std::vector<float>& x, std::size_t batch, std::size_t k) {
  const std::size_t stride = k + 5;
  std::vector<uint8_t> q_ref(batch * stride, 7), q_fast(batch * stride, 7);
  std::vector<float> s_ref(batch), s_fast(batch);
  std::vector<int32_t> z_ref(batch), z_fast(batch);
  quantize_rows_u8(x.data(), batch, k, q_ref.data(), stride, s_ref.data(), z_ref.data());
  quantize_rows_u8_fast(x.data(), batch, k, q_fast.data(), stride, s_fast.data(), z_fast.data());
  INFO("batch " << batch << " K " << k);
  CHECK(q_fast == q_ref);  // padding bytes untouched by both
  CHECK(s_fast == s_ref);
  CHECK(z_fast == z_ref);
}

}  // namespace

TEST_CASE("the fast W8A8 activation quantizer equals quantize_rows_u8 byte for byte", "[kernels][quantize_rows]") {
  std::mt19937 rng(21);
  std::normal_distribution<float> normal;
  for (std::size_t k : {1, 3, 15, 16, 17, 33, 255, 1000, 4096})
    for (std::size_t batch : {1, 2, 5}) {
      std::vector<float> x(batch * k);
      for (std::size_t b = 0; b < batch; ++b) {
        const float magnitude = std::pow(10.0f, static_cast<float>(b) * 3.0f - 3.0f);  // 1e-3, 1, 1e3, ...
        for (std::size_t i = 0; i < k; ++i) x[b * k + i] = normal(rng) * magnitude;
      }
      check_same(x, batch, k);
    }
}

TEST_CASE("the fast W8A8 activation quantizer equals quantize_rows_u8 on edge values", "[kernels][quantize_rows]") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::size_t k = 37;
  std::vector<std::vector<float>> rows;
  rows.push_back(std::vector<float>(k, 0.0f));    // all zero: eps scale
  rows.push_back(std::vector<float>(k, 2.5f));    // constant, positive
  rows.push_back(std::vector<float>(k, -1e30f));  // constant, huge negative
  std::vector<float> halves(k);
  for (std::size_t i = 0; i < k; ++i) halves[i] = (static_cast<float>(i) - 18.0f) + 0.5f;  // ties
  rows.push_back(halves);
  std::vector<float> mixed(k);
  for (std::size_t i = 0; i < k; ++i) mixed[i] = (i % 2 ? 1.0f : -1.0f) * std::ldexp(1.0f, static_cast<int>(i) - 20);
  rows.push_back(mixed);
  for (const auto& row : rows) check_same(row, 1, k);
  std::vector<float> all;
  for (const auto& row : rows) all.insert(all.end(), row.begin(), row.end());
  check_same(all, rows.size(), k);

  // An infinite range has no float32 scale: both refuse it the same way.
  std::vector<float> with_inf(k, 1.0f);
  with_inf[3] = inf;
  with_inf[20] = -inf;
  std::vector<uint8_t> q(k);
  float scale = 0;
  int32_t zero_point = 0;
  CHECK_THROWS(quantize_rows_u8(with_inf.data(), 1, k, q.data(), k, &scale, &zero_point));
  CHECK_THROWS(quantize_rows_u8_fast(with_inf.data(), 1, k, q.data(), k, &scale, &zero_point));
}
