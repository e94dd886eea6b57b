// Every SIMD kernel against its scalar reference, bit for bit, on odd sizes (so the vector body
// and the scalar tail both run) and on values that stress rounding and clamping.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "fixtures.hpp"
#include "qlinear/kernels/dense_f32.hpp"
#include "qlinear/kernels/elementwise.hpp"
#include "qlinear/kernels/int8_rows.hpp"
#include "qlinear/kernels/transpose.hpp"
#include "qlinear/kernels/reference.hpp"

using namespace qlinear::kernels;
using fixtures::bits;

namespace {

const std::size_t kOddSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 255, 1000};

std::vector<float> test_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  // Exact .5 ties at inv_scale 1, huge magnitudes and signed zeros where there is room.
  const float specials[] = {0.5f, -0.5f, 1.5f, -2.5f, 127.5f, -128.5f, 1e30f, -1e30f, 0.0f, -0.0f};
  for (std::size_t i = 0; i < n && i < std::size(specials); ++i) v[(i * 7919) % n] = specials[i];
  return v;
}

}  // namespace

TEST_CASE("minmax_simd equals minmax_reference on odd sizes", "[kernels]") {
  for (std::size_t n : kOddSizes) {
    for (unsigned seed = 0; seed < 4; ++seed) {
      const std::vector<float> x = test_values(n, seed);
      const MinMax a = minmax_reference(x.data(), n), b = minmax_simd(x.data(), n);
      INFO("n " << n << " seed " << seed);
      CHECK(a.min == b.min);
      CHECK(a.max == b.max);
    }
  }
}

// Each SIMD quantizer against its scalar reference, byte for byte, over odd sizes (ties, huge
// values and signed zeros included by test_values), scales and [lo, hi] ranges.
using Quantizer = void (*)(const float*, std::size_t, float, int32_t, int32_t, int32_t, uint8_t*);
struct QuantizerPair {
  const char* name;
  Quantizer reference, simd;
  unsigned seed_offset;
};

TEST_CASE("transpose_f32_simd equals the reference on odd blocks, strided both ways", "[kernels]") {
  for (std::size_t rows : {1u, 3u, 4u, 5u, 17u, 64u})
    for (std::size_t cols : {1u, 2u, 4u, 7u, 16u, 19u}) {
      const std::size_t src_stride = cols + 3, dst_stride = rows + 5;
      std::vector<float> src(rows * src_stride);
      for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i) * 0.5f - 7.0f;
      std::vector<float> a(cols * dst_stride, -1.0f), b(cols * dst_stride, -1.0f);
      transpose_f32_reference(src.data(), src_stride, rows, cols, a.data(), dst_stride);
      transpose_f32_simd(src.data(), src_stride, rows, cols, b.data(), dst_stride);
      REQUIRE(a == b);
      CHECK(a[(cols - 1) * dst_stride + rows - 1] == src[(rows - 1) * src_stride + cols - 1]);
      CHECK(a[rows] == -1.0f);  // the padding between dst rows is not written
    }
}

TEST_CASE("the checkpoint writer's int8 row kernels equal their references on odd sizes", "[kernels]") {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (std::size_t n : {1u, 3u, 15u, 16u, 17u, 255u, 1000u, 1283u}) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    // Exact ties of x / scale (k + 0.5), zeros of both signs, and values past the clamp.
    const float scale = 0.03125f;
    for (std::size_t i = 0; i < n; i += 5) x[i] = (static_cast<float>(i % 37) - 18.0f + 0.5f) * scale;
    if (n > 2) x[1] = -0.0f, x[2] = 200.0f;
    for (float s : {scale, 0.0173f, 1e-3f}) {
      std::vector<int8_t> a(n), b(n);
      quantize_divided_int8_reference(x.data(), n, s, -128.0f, 127.0f, a.data());
      quantize_divided_int8_simd(x.data(), n, s, -128.0f, 127.0f, b.data());
      REQUIRE(a == b);
      std::vector<float> da(n), db(n);
      dequantize_int8_reference(a.data(), n, s, 1.0f / 127.0f, da.data());
      dequantize_int8_simd(a.data(), n, s, 1.0f / 127.0f, db.data());
      REQUIRE(std::memcmp(da.data(), db.data(), 4 * n) == 0);
    }
    // The reference is the formula itself: a tie rounds to even, the clamp holds.
    int8_t q[3];
    const float ties[3] = {2.5f * scale, -3.5f * scale, 1000.0f};
    quantize_divided_int8_reference(ties, 3, scale, -128.0f, 127.0f, q);
    CHECK(q[0] == 2);
    CHECK(q[1] == -4);
    CHECK(q[2] == 127);
  }
}

TEST_CASE("quantize_simd and quantize_zero_point_first_simd equal their references on odd sizes, scales and ranges",
          "[kernels]") {
  struct Range {
    int32_t zero_point, lo, hi;
  };
  const Range ranges[] = {{0, -128, 127}, {-17, -128, 127}, {128, 0, 255}, {3, 0, 255}, {0, -127, 127},
                          {0, -64, 63},   {0, 0, 255},      {255, 0, 255}, {64, 0, 127}};
  const QuantizerPair pairs[] = {{"quantize", quantize_reference, quantize_simd, 0},
                                 {"quantize_zero_point_first", quantize_zero_point_first_reference,
                                  quantize_zero_point_first_simd, 100}};
  for (const QuantizerPair& q : pairs)
    for (std::size_t n : kOddSizes) {
      const std::vector<float> x = test_values(n, static_cast<unsigned>(n) + q.seed_offset);
      for (float inv_scale : {1.0f, 1.0f / 0.0470588244497776f, 3.7f, 1e-3f, 8388608.0f}) {
        for (const Range& r : ranges) {
          std::vector<uint8_t> a(n), b(n);
          q.reference(x.data(), n, inv_scale, r.zero_point, r.lo, r.hi, a.data());
          q.simd(x.data(), n, inv_scale, r.zero_point, r.lo, r.hi, b.data());
          INFO(q.name << " n " << n << " inv_scale " << inv_scale << " zero point " << r.zero_point);
          CHECK(a == b);
        }
      }
    }
}

TEST_CASE("quantize_zero_point_first rounds after adding the zero point, as PyTorch's dynamic Linear", "[kernels]") {
  // x + 3 = 3.5 ties to 4; quantize() rounds 0.5 to 0 first and gives 3.
  const std::vector<float> x{0.5f, 1.5f, -0.5f, 300.0f, -300.0f, 2.4f};
  std::vector<uint8_t> first(x.size()), after(x.size());
  quantize_zero_point_first_reference(x.data(), x.size(), 1.0f, 3, 0, 255, first.data());
  quantize_reference(x.data(), x.size(), 1.0f, 3, 0, 255, after.data());
  CHECK(std::vector<int>(first.begin(), first.end()) == std::vector<int>{4, 4, 2, 255, 0, 5});
  CHECK(std::vector<int>(after.begin(), after.end()) == std::vector<int>{3, 5, 3, 255, 0, 5});
}

TEST_CASE("quantize_reference rounds half to even and clamps", "[kernels]") {
  const std::vector<float> x{0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1e30f, -1e30f};
  std::vector<uint8_t> q(x.size());
  quantize_reference(x.data(), x.size(), 1.0f, 0, -128, 127, q.data());
  std::vector<int> values(q.begin(), q.end());
  for (int& v : values) v = static_cast<int8_t>(v);
  CHECK(values == std::vector<int>{0, 2, 2, 0, -2, 127, -128});
}

TEST_CASE("the fp32 SIMD Linear kernel is within the float summation bound of the double reference",
          "[kernels][f32]") {
  std::mt19937 rng(21);
  std::normal_distribution<float> n(0.0f, 1.0f);
  for (std::size_t k : {1, 3, 4, 5, 15, 17, 33, 255, 1000})
    for (std::size_t out : {1, 2, 3, 5, 17})
      for (std::size_t batch : {1, 2, 3, 4, 5, 9, 64}) {
        std::vector<float> x(batch * k), w(out * k), b(out);
        for (auto* v : {&x, &w, &b})
          for (float& e : *v) e = n(rng);
        std::vector<float> y(batch * out), expected(batch * out);
        const bool with_bias = (k + out + batch) % 2 == 0;
        qlinear::kernels::linear_f32_simd(x.data(), batch, w.data(), with_bias ? b.data() : nullptr, k, out, y.data());
        qlinear::kernels::linear_f32(x.data(), batch, w.data(), with_bias ? b.data() : nullptr, k, out, expected.data());
        for (std::size_t r = 0; r < batch; ++r)
          for (std::size_t j = 0; j < out; ++j) {
            double magnitude = with_bias ? std::abs(b[j]) : 0.0;
            for (std::size_t t = 0; t < k; ++t) magnitude += std::abs(static_cast<double>(x[r * k + t]) * w[j * k + t]);
            const double bound = static_cast<double>(k + 2) * FLT_EPSILON * magnitude;
            INFO("k=" << k << " out=" << out << " batch=" << batch << " row " << r << " col " << j);
            REQUIRE(std::abs(static_cast<double>(y[r * out + j]) - expected[r * out + j]) <= bound);
          }
      }
}
