// The packed int8 kernels (WASM SIMD128 in the wasm build, SSE4.1 natively) against the scalar
// reference, on odd shapes so every vector tail and padding path runs: W8A8 bit for bit (it is
// integer arithmetic), W8A32 within a float-accumulation bound.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/reference.hpp"
#if !defined(__EMSCRIPTEN__) && defined(__x86_64__)
#include "qlinear/kernels/kernels_x86.hpp"
#endif
#ifdef __wasm_simd128__
#include "qlinear/kernels/kernels_wasm.hpp"
#endif

using namespace qlinear::kernels;

namespace {

struct Case {
  std::size_t k, n, batch;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (std::size_t k : {1, 3, 15, 17, 33, 255, 1000})
    for (std::size_t n : {1, 3, 17, 255})
      for (std::size_t batch : {1, 2, 3, 5}) out.push_back({k, n, batch});
  out.push_back({1000, 33, 64});
  out.push_back({64, 1000, 64});
  out.push_back({255, 15, 64});
  // The tiled kernels: batch rows in groups of 4, 2 and 1 (6 = 4 + 2, 7 = 4 + 2 + 1), output rows
  // in tiles of 2 or 4 with leftovers (5, 6, 7, 9), K steps of 8, 16 or 32 lanes with a half step
  // (strides 16, 48, 1008), and output rows cut into L2-sized blocks (K 4000: 64 rows a block).
  for (std::size_t k : {1, 33, 1000})
    for (std::size_t n : {5, 6, 7, 9})
      for (std::size_t batch : {4, 6, 7, 8}) out.push_back({k, n, batch});
  out.push_back({1, 17, 64});
  out.push_back({3, 255, 64});
  out.push_back({17, 33, 64});
  out.push_back({4000, 67, 1});
  out.push_back({4000, 67, 7});
  out.push_back({4000, 130, 9});
  // Batched W8A32 in wasm works on 32 batch rows at a time and on K in chunks of 1024 lanes.
  out.push_back({33, 9, 37});
  out.push_back({1000, 5, 35});
  out.push_back({2100, 7, 6});
  // Rows of 4 KiB or more: batch-1 tiles of 8 output rows in wasm (with leftovers).
  out.push_back({4100, 19, 1});
  out.push_back({4096, 9, 5});
  return out;
}

// Batched W8A8 from 16 rows on (natively the AVX-512 VNNI GEMM and AMX): panels of 16 batch rows
// with a partly filled last one (17, 31, 33), pairs of panels and a single one, 12/4/1-row
// tiles (VNNI) and 16/32-row groups with the last rows from a zero-padded copy (AMX: N 1, 3,
// 13, 33; K not a multiple of 64), and output rows cut into L2-sized blocks (K 4000, N 300).
std::vector<Case> batched_cases() {
  std::vector<Case> out;
  for (std::size_t k : {1, 3, 17, 255, 1000})
    for (std::size_t n : {1, 3, 13, 33})
      for (std::size_t batch : {16, 17, 31, 33, 64}) out.push_back({k, n, batch});
  out.push_back({64, 48, 48});
  out.push_back({128, 64, 16});
  out.push_back({4000, 300, 33});
  return out;
}

struct Weights {
  std::vector<uint8_t> values;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  bool is_unsigned, per_channel;
  QuantizedWeightsView view(std::size_t n, std::size_t k) const {
    return {values.data(), is_unsigned, scale.data(), zero_point.data(), per_channel, n, k};
  }
};

Weights random_weights(std::size_t n, std::size_t k, bool is_unsigned, bool per_channel, std::mt19937& rng) {
  Weights w{std::vector<uint8_t>(n * k), {}, {}, is_unsigned, per_channel};
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& v : w.values) v = static_cast<uint8_t>(byte(rng));  // the full range, extremes included
  const std::size_t channels = per_channel ? n : 1;
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  std::uniform_int_distribution<int> zp(is_unsigned ? 0 : -128, is_unsigned ? 255 : 127);
  for (std::size_t c = 0; c < channels; ++c) {
    w.scale.push_back(scale(rng));
    w.zero_point.push_back(zp(rng));
  }
  return w;
}

using W8A8Kernel = void (*)(const QuantizedRowsView&, const PackedWeights&, const float*, float*);

// Bit for bit, so that -0 and +0 are told apart (== would not).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Every case through `kernel` (quint8 and qint8 weights, per channel or not, with a bias, and
// every third case without) against the scalar reference, bit for bit; returns how many ran.
std::size_t check_w8a8(const std::vector<Case>& all, W8A8Kernel kernel, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
  std::size_t checked = 0;
  for (const Case& c : all) {
    for (bool is_unsigned : {false, true}) {
      const bool per_channel = (c.k + c.n) % 2 == 0;
      const Weights w = random_weights(c.n, c.k, is_unsigned, per_channel, rng);
      const PackedWeights packed = pack_weights(w.view(c.n, c.k));
      std::vector<uint8_t> xq(c.batch * c.k), xq_padded(c.batch * packed.stride, 0);
      for (std::size_t b = 0; b < c.batch; ++b)
        for (std::size_t i = 0; i < c.k; ++i) xq_padded[b * packed.stride + i] = xq[b * c.k + i] = static_cast<uint8_t>(byte(rng));
      std::vector<float> x_scale(c.batch);
      std::vector<int32_t> x_zp(c.batch);
      for (std::size_t b = 0; b < c.batch; ++b) {
        x_scale[b] = 0.01f + 0.001f * static_cast<float>(b);
        x_zp[b] = byte(rng);
      }
      std::vector<float> bias(c.n);
      for (float& v : bias) v = uniform(rng);
      const float* bias_or_null = checked % 3 == 2 ? nullptr : bias.data();
      std::vector<float> expected(c.batch * c.n), got(c.batch * c.n);
      linear_w8a8({xq.data(), x_scale.data(), x_zp.data(), c.batch, c.k, c.k}, w.view(c.n, c.k), bias_or_null, expected.data());
      kernel({xq_padded.data(), x_scale.data(), x_zp.data(), c.batch, c.k, packed.stride}, packed, bias_or_null, got.data());
      INFO("K " << c.k << " N " << c.n << " batch " << c.batch << (is_unsigned ? " quint8" : " qint8")
                << (bias_or_null ? "" : ", no bias"));
      CHECK(same_bits(got, expected));
      ++checked;
    }
  }
  return checked;
}

}  // namespace

TEST_CASE("packed W8A8 equals the scalar reference bit for bit on odd shapes", "[kernels][packed]") {
  CHECK(check_w8a8(cases(), linear_w8a8_packed, 11) == 2 * cases().size());
#if !defined(__EMSCRIPTEN__) && defined(__x86_64__)
  // The EVEX ymm tiles directly wherever the CPU runs them: the dispatch picks them for 1-3 rows
  // only on CPUs with AVX-512 VNNI and no AVX-VNNI, and here they run every batch size.
  if (x86::avx512_vnni_available()) {
    INFO("AVX-512 VNNI tiles on ymm");
    CHECK(check_w8a8(cases(), x86::linear_w8a8_avx512_vnni_ymm, 17) == 2 * cases().size());
  }
#endif
}

TEST_CASE("packed W8A8 equals the scalar reference bit for bit from 16 batch rows on", "[kernels][packed]") {
  CHECK(check_w8a8(batched_cases(), linear_w8a8_packed, 14) == 2 * batched_cases().size());
#if !defined(__EMSCRIPTEN__) && defined(__x86_64__)
  // Both batched x86 kernels wherever the CPU runs them, whichever one the dispatch picks (no
  // QLINEAR_X86_ISA cap in ctest selects the AVX-512 VNNI GEMM on an AMX machine).
  if (x86::avx512_vnni_available()) {
    INFO("AVX-512 VNNI GEMM");
    CHECK(check_w8a8(batched_cases(), x86::linear_w8a8_avx512_gemm, 15) == 2 * batched_cases().size());
  }
  if (x86::amx_available()) {
    INFO("AMX");
    CHECK(check_w8a8(batched_cases(), x86::linear_w8a8_amx, 16) == 2 * batched_cases().size());
  }
#endif
}

namespace {

using W8A32Kernel = void (*)(const float*, std::size_t, std::size_t, const PackedWeights&, const float*, float*);

// Every case up to max_batch rows through `kernel`, against the scalar reference within the error
// of float summation.
void check_w8a32(W8A32Kernel kernel, std::size_t max_batch, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
  for (const Case& c : cases()) {
    if (c.batch > max_batch) continue;
    for (bool is_unsigned : {false, true}) {
      const bool per_channel = (c.k * 3 + c.n) % 2 == 0;
      const Weights w = random_weights(c.n, c.k, is_unsigned, per_channel, rng);
      const QuantizedWeightsView view = w.view(c.n, c.k);
      const PackedWeights packed = pack_weights(view);
      std::vector<float> x(c.batch * c.k), x_padded(c.batch * packed.stride, 0.0f);
      for (std::size_t b = 0; b < c.batch; ++b)
        for (std::size_t i = 0; i < c.k; ++i) x_padded[b * packed.stride + i] = x[b * c.k + i] = uniform(rng);
      std::vector<float> bias(c.n);
      for (float& v : bias) v = uniform(rng);
      std::vector<float> expected(c.batch * c.n), got(c.batch * c.n);
      linear_w8a32(x.data(), c.batch, view, bias.data(), expected.data());
      kernel(x_padded.data(), packed.stride, c.batch, packed, bias.data(), got.data());
      for (std::size_t b = 0; b < c.batch; ++b)
        for (std::size_t j = 0; j < c.n; ++j) {
          // Float summation of K terms errs by at most ~K·2⁻²⁴ of Σ|terms| (plus the final rounding).
          double magnitude = 0.0;
          for (std::size_t i = 0; i < c.k; ++i)
            magnitude += std::fabs(static_cast<double>(x[b * c.k + i]) * (view.at(j, i) - view.zero_point(j)));
          const double bound = (static_cast<double>(c.k) + 4) * 1.2e-7 * view.scale(j) * magnitude + 1e-6 * std::fabs(bias[j]);
          INFO("K " << c.k << " N " << c.n << " batch " << c.batch << " row " << b << " out " << j
                    << (is_unsigned ? " quint8" : " qint8") << ": " << got[b * c.n + j] << " vs " << expected[b * c.n + j]);
          CHECK(std::fabs(got[b * c.n + j] - expected[b * c.n + j]) <= bound);
        }
    }
  }
}

}  // namespace

TEST_CASE("packed W8A32 equals the scalar reference within float accumulation error on odd shapes",
          "[kernels][packed]") {
  check_w8a32(linear_w8a32_packed, std::numeric_limits<std::size_t>::max(), 12);
}

#ifdef __wasm_simd128__
// The tiles that convert each weight to float as they go run only past kW8A32SplitMaxK through the
// dispatch, a size no test can afford: called directly here.
TEST_CASE("wasm W8A32 tiles (the dispatch's choice past 65536 inputs) on odd shapes", "[kernels][packed]") {
  check_w8a32(w8a32_tiles_wasm_simd128, 64, 14);
}
#endif

#ifdef __wasm_simd128__
TEST_CASE("wasm W8A32 at 1-3 rows (int16 split of x) errs by at most max|x|·Σ|w − zw|·2^(1 − 2·bits) against float64",
          "[kernels][packed]") {
  CHECK(w8a32_split_bits(1) == 15);
  CHECK(w8a32_split_bits(512) == 15);
  CHECK(w8a32_split_bits(513) == 14);
  CHECK(w8a32_split_bits(4096) == 12);
  CHECK(w8a32_split_bits(kW8A32SplitMaxK) == 8);
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f), exponent(-40.0f, 30.0f);
  std::bernoulli_distribution coin(0.5);
  // Rows that stress the split: ordinary values, a dynamic range of 10^70 (the small values fall
  // below the parts' resolution), one huge value among small ones, subnormals only, all zero,
  // and a maximum that is exactly a power of two.
  const auto make_row = [&](int kind, std::size_t k) {
    std::vector<float> row(k);
    for (std::size_t i = 0; i < k; ++i) {
      switch (kind) {
        case 0: row[i] = uniform(rng); break;
        case 1: row[i] = (coin(rng) ? 1.0f : -1.0f) * std::pow(10.0f, exponent(rng)); break;
        case 2: row[i] = i == k / 2 ? 1.0e30f : uniform(rng); break;
        case 3: row[i] = uniform(rng) * 1e-39f; break;
        case 4: row[i] = 0.0f; break;
        default: row[i] = i == 0 ? -1024.0f : uniform(rng); break;
      }
    }
    return row;
  };
  for (std::size_t k : {1, 3, 17, 255, 512, 513, 1000, 4096, 8191})
    for (std::size_t n : {1, 3, 5, 7, 17})  // 3 and 7: single-row tiles at odd rows too
      for (std::size_t batch : {1, 2, 3})
        for (bool is_unsigned : {false, true}) {
          const Weights w = random_weights(n, k, is_unsigned, true, rng);
          const QuantizedWeightsView view = w.view(n, k);
          const PackedWeights packed = pack_weights(view);
          const int bits = w8a32_split_bits(k);
          std::vector<float> x(batch * packed.stride, 0.0f), bias(n);
          for (float& v : bias) v = uniform(rng);
          for (std::size_t b = 0; b < batch; ++b) {
            const std::vector<float> row = make_row(static_cast<int>((k + n + b + (is_unsigned ? 3 : 0)) % 6), k);
            std::copy(row.begin(), row.end(), x.begin() + b * packed.stride);
          }
          std::vector<float> got(batch * n), dispatched(batch * n);
          w8a32_split_i16_wasm_simd128(x.data(), packed.stride, batch, packed, bias.data(), got.data());
          linear_w8a32_packed(x.data(), packed.stride, batch, packed, bias.data(), dispatched.data());
          CHECK(same_bits(got, dispatched));  // what runs at 1-3 rows
          for (std::size_t b = 0; b < batch; ++b) {
            const float* xr = x.data() + b * packed.stride;
            double max_abs = 0.0;
            for (std::size_t i = 0; i < k; ++i) max_abs = std::max(max_abs, std::fabs(static_cast<double>(xr[i])));
            for (std::size_t j = 0; j < n; ++j) {
              double exact = 0.0, weight_l1 = 0.0;  // float64: every product exact, the sum to 2^-53
              for (std::size_t i = 0; i < k; ++i) {
                const double wv = view.at(j, i) - view.zero_point(j);
                exact += static_cast<double>(xr[i]) * wv;
                weight_l1 += std::fabs(wv);
              }
              const double scaled = static_cast<double>(view.scale(j)) * exact + bias[j];
              // The split's error, scaled; then float32 rounding of the scaled dot and of the bias
              // sum (2^-24 of each result); and a subnormal's absolute step.
              const double bound = view.scale(j) * max_abs * weight_l1 * std::ldexp(1.0, 1 - 2 * bits) +
                                   std::ldexp(std::fabs(view.scale(j) * exact) + std::fabs(bias[j]), -23) + 1e-45;
              INFO("K " << k << " N " << n << " batch " << batch << " row " << b << " out " << j << " bits " << bits
                        << (is_unsigned ? " quint8" : " qint8") << ": " << got[b * n + j] << " vs " << scaled);
              CHECK(std::fabs(got[b * n + j] - scaled) <= bound);
            }
          }
        }
}
#endif

TEST_CASE("the packed kernels say which implementation runs", "[kernels][packed]") {
  const std::string isa = packed_kernels_isa();
  INFO("packed kernels: " << isa);
  CHECK((isa == "wasm-simd128" || isa == "wasm-relaxed-simd" || isa == "sse4.1" || isa == "avx2" || isa == "avx-vnni" ||
         isa == "avx512-vnni" || isa == "amx-int8"));
#ifdef __EMSCRIPTEN__
  // The SIMD128 kernels, or the relaxed-SIMD ones where ctest says so (tests/native/CMakeLists.txt).
  const char* expected = std::getenv("QLINEAR_EXPECT_KERNELS");
  CHECK(isa == std::string(expected ? expected : "wasm-simd128"));
#else
  // QLINEAR_X86_ISA caps the choice (ctest runs this file once per cap): never above the cap.
  if (const char* cap = std::getenv("QLINEAR_X86_ISA")) {
    if (std::string(cap) == "sse41") CHECK(isa == "sse4.1");
    if (std::string(cap) == "avx2") CHECK((isa == "sse4.1" || isa == "avx2"));
    if (std::string(cap) == "avx-vnni") CHECK((isa != "avx512-vnni" && isa != "amx-int8"));
    if (std::string(cap) == "avx512-vnni") CHECK(isa != "amx-int8");
  }
#endif
}

TEST_CASE("pack -> unpack gives the stored integers back, with zero padding", "[kernels][packed]") {
  std::mt19937 rng(13);
  for (bool is_unsigned : {false, true}) {
    const Weights w = random_weights(7, 21, is_unsigned, true, rng);
    const PackedWeights packed = pack_weights(w.view(7, 21));
    CHECK(packed.stride == 32);
    CHECK(unpack_weights(packed) == w.values);
    // Rows in whole groups of kPackedRowGroup, then the slack; every byte that is no weight holds
    // weight 0 as stored there (packed_zero_at: 0, or 0 ^ 0x80 in an even row of the wasm layout).
    const std::size_t rows = (7 + kPackedRowGroup - 1) / kPackedRowGroup * kPackedRowGroup;
    REQUIRE(packed.values.size() == rows * 32 + kPackedSlack);
    std::vector<bool> is_weight(packed.values.size(), false);
    for (std::size_t j = 0; j < 7; ++j)
      for (std::size_t k = 0; k < 21; ++k) is_weight[packed_offset(32, j, k)] = true;
    std::size_t padding_nonzero = 0, weights = 0;
    for (std::size_t i = 0; i < packed.values.size(); ++i) {
      weights += is_weight[i];
      padding_nonzero += !is_weight[i] && packed.values[i] != packed_zero_at(i);
    }
    CHECK(weights == 7 * 21);  // packed_offset maps every weight to a place of its own
    CHECK(padding_nonzero == 0);
  }
}

TEST_CASE("packed W8A8 is exact at the largest inner dimension it accepts, with extreme values", "[kernels][packed]") {
  // |Σ(xq − zx)(wq − zw)| is largest with xq = 255, zx = 0, wq = -128, zw = 127: 65025 per term,
  // 2,147,450,625 over kMaxW8A8InFeatures = 33025 terms, just inside int32. Nine rows and no
  // bias: full tiles and a single row; at batch 2 and 4 one group of the driver's tiles; from 3
  // rows the batched kernels (wasm's panels, the AVX-512 VNNI GEMM or AMX from 16), whose
  // epilogues wrap in 32 bits too. In wasm every pair of rows (each byte -128: an i16 lane of
  // -32768) makes the tiles' Σ x·L wrap many times over before the odd row's sum is taken out.
  const std::size_t k = kMaxW8A8InFeatures, n = 9;
  const std::vector<uint8_t> weights(n * k, static_cast<uint8_t>(-128));
  const float scale = 1.0f;
  const int32_t zero_point = 127;
  const QuantizedWeightsView view{weights.data(), false, &scale, &zero_point, false, n, k};
  const PackedWeights packed = pack_weights(view);
  for (std::size_t batch : {1, 2, 3, 4, 16, 17}) {
    std::vector<uint8_t> xq(batch * packed.stride, 0);
    for (std::size_t b = 0; b < batch; ++b) std::fill_n(xq.begin() + static_cast<std::ptrdiff_t>(b * packed.stride), k, 255);
    const std::vector<float> x_scale(batch, 1.0f);
    const std::vector<int32_t> x_zero_point(batch, 0);
    std::vector<float> expected(batch * n), got(batch * n);
    linear_w8a8({xq.data(), x_scale.data(), x_zero_point.data(), batch, k, packed.stride}, view, nullptr, expected.data());
    linear_w8a8_packed({xq.data(), x_scale.data(), x_zero_point.data(), batch, k, packed.stride}, packed, nullptr, got.data());
    INFO("batch " << batch);
    CHECK(expected == std::vector<float>(batch * n, static_cast<float>(-2147450625LL)));
    CHECK(same_bits(got, expected));
  }
}
