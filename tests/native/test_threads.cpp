// The kernels on 1, 2 and 3 threads: every packed kernel's output with threads equals its output on
// one thread bit for bit (and W8A8 the scalar reference), on odd shapes, with the threshold that
// keeps small layers on one thread lowered so that even a 1 × 1 layer is split where it can be.
// Natively on the widest ISA the CPU has (the partition is the same for every ISA's kernels, each
// of which test_packed_kernels.cpp checks under every QLINEAR_X86_ISA cap); in a single-threaded
// wasm module, which refuses a second thread with its reason, on one.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <optional>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "qlinear/error.hpp"
#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/kernels/thread_pool.hpp"
#include "qlinear/linear.hpp"
#include "qlinear/model.hpp"
#include "qlinear/quant_linear.hpp"
#include "qlinear/threads.hpp"

using namespace qlinear;
using namespace qlinear::kernels;

namespace {

// Restores one thread and the default threshold however a test ends.
struct ThreadsFor {
  std::size_t saved_min = min_macs_per_thread();
  ThreadsFor(std::size_t count, std::size_t min_macs) {
    set_threads(count);
    set_min_macs_per_thread(min_macs);
  }
  ~ThreadsFor() {
    set_threads(1);
    set_min_macs_per_thread(saved_min);
  }
};

struct PackedLayer {
  std::size_t k, n, batch;
  std::vector<uint8_t> weights;
  std::vector<float> scale, bias;
  std::vector<int32_t> zero_point;
  bool is_unsigned;
  PackedWeights packed;
  std::vector<uint8_t> xq;  // [batch][packed.stride], zero padded
  std::vector<float> x_scale, x;
  std::vector<int32_t> x_zero_point;

  QuantizedWeightsView view() const { return {weights.data(), is_unsigned, scale.data(), zero_point.data(), true, n, k}; }
  QuantizedRowsView rows() const { return {xq.data(), x_scale.data(), x_zero_point.data(), batch, k, packed.stride}; }
};

PackedLayer random_layer(std::size_t k, std::size_t n, std::size_t batch, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f), scale(0.001f, 0.05f);
  PackedLayer l{k, n, batch, std::vector<uint8_t>(n * k), std::vector<float>(n), std::vector<float>(n), std::vector<int32_t>(n),
          (k + n + batch) % 2 == 0, {}, {}, std::vector<float>(batch), {}, std::vector<int32_t>(batch)};
  for (auto& v : l.weights) v = static_cast<uint8_t>(byte(rng));
  for (std::size_t j = 0; j < n; ++j) {
    l.scale[j] = scale(rng);
    l.bias[j] = uniform(rng);
    l.zero_point[j] = l.is_unsigned ? byte(rng) : byte(rng) - 128;
  }
  l.packed = pack_weights(l.view());
  l.xq.assign(batch * l.packed.stride, 0);
  l.x.assign(batch * l.packed.stride, 0.0f);
  for (std::size_t b = 0; b < batch; ++b) {
    for (std::size_t i = 0; i < k; ++i) {
      l.xq[b * l.packed.stride + i] = static_cast<uint8_t>(byte(rng));
      l.x[b * l.packed.stride + i] = uniform(rng);
    }
    l.x_scale[b] = 0.01f + 0.001f * static_cast<float>(b);
    l.x_zero_point[b] = byte(rng);
  }
  return l;
}

std::vector<float> w8a8(const PackedLayer& l) {
  std::vector<float> y(l.batch * l.n);
  linear_w8a8_packed(l.rows(), l.packed, l.bias.data(), y.data());
  return y;
}

std::vector<float> w8a32(const PackedLayer& l) {
  std::vector<float> y(l.batch * l.n);
  linear_w8a32_packed(l.x.data(), l.packed.stride, l.batch, l.packed, l.bias.data(), y.data());
  return y;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("set_threads takes 1 to max_threads() and says why it refuses more", "[threads]") {
  CHECK(threads() == 1);
  CHECK(max_threads() >= 1);
  CHECK_THROWS_WITH(set_threads(0), Catch::Contains("threads: 0 is not between 1 and"));
  CHECK_THROWS_WITH(set_threads(max_threads() + 1),
                    Catch::Contains("threads: " + std::to_string(max_threads() + 1) + " is not between 1 and"));
  if (max_threads() == 1) {
    CHECK_FALSE(threads_unavailable_reason().empty());
    CHECK_THROWS_WITH(set_threads(2), Catch::Contains(threads_unavailable_reason()));
  } else {
    CHECK(threads_unavailable_reason().empty());
    for (int i = 0; i < 20; ++i) {  // workers started and stopped again, none left behind
      set_threads(i % 2 == 0 ? 3 : 2);
      CHECK(threads() == (i % 2 == 0 ? 3u : 2u));
    }
    set_threads(1);
  }
  CHECK(threads() == 1);
}

TEST_CASE("partition_rows cuts rows into whole quanta, one part per thread, by work", "[threads]") {
  const std::size_t saved = min_macs_per_thread();
  set_min_macs_per_thread(1000);
  for (std::size_t rows : {1, 3, 23, 24, 25, 100, 1000, 4097})
    for (std::size_t quantum : {1, 4, 24})
      for (std::size_t threads : {1, 2, 3, 8}) {
        const RowPartition p = partition_rows(rows, 10, quantum, threads);
        INFO("rows " << rows << " quantum " << quantum << " threads " << threads);
        CHECK(p.parts >= 1);
        CHECK(p.parts <= threads);
        CHECK(p.parts <= (rows + quantum - 1) / quantum);
        CHECK(p.begin(0) == 0);
        CHECK(p.end(p.parts - 1) == rows);
        for (std::size_t i = 0; i < p.parts; ++i) {
          CHECK(p.begin(i) < p.end(i));  // no empty part
          if (i + 1 < p.parts) {
            CHECK(p.end(i) == p.begin(i + 1));
            CHECK(p.end(i) % quantum == 0);
          }
        }
        // rows · 10 MACs over parts of at least 1000 each (one part when there is not enough for two).
        CHECK(p.parts <= std::max<std::size_t>(1, rows * 10 / 1000));
      }
  set_min_macs_per_thread(saved);
}

TEST_CASE("run_parallel runs every index once, also from two application threads at a time", "[threads]") {
  if (max_threads() < 3) return;
  ThreadsFor on(3, 1);
  auto count_hits = [](std::size_t count) {
    std::vector<std::atomic<int>> hits(count);
    run_parallel(count, [&](std::size_t i) { hits[i].fetch_add(1); });
    for (auto& h : hits)
      if (h.load() != 1) return false;
    return true;
  };
  for (std::size_t count : {0, 1, 2, 3, 7, 100}) CHECK(count_hits(count));
  // A second caller while the pool is busy runs its tasks itself.
  std::atomic<int> failures{0};
  std::thread other([&] {
    for (int i = 0; i < 200; ++i)
      if (!count_hits(5)) failures.fetch_add(1);
  });
  for (int i = 0; i < 200; ++i)
    if (!count_hits(5)) failures.fetch_add(1);
  other.join();
  CHECK(failures.load() == 0);
}

TEST_CASE("every packed kernel gives the same bits on 1, 2 and 3 threads on odd shapes", "[threads]") {
  std::mt19937 rng(21);
  std::vector<PackedLayer> layers;
  for (std::size_t k : {1, 3, 17, 255, 1000})
    for (std::size_t n : {1, 3, 17, 49, 255, 1000})  // 49: two quanta and a one-row leftover
      for (std::size_t batch : {1, 2, 3, 5, 64}) layers.push_back(random_layer(k, n, batch, rng));
  // Wide enough for the AVX-512 VNNI GEMM (16 batch rows on) and several L2 blocks per thread.
  layers.push_back(random_layer(4000, 300, 33, rng));
  std::vector<std::vector<float>> one_w8a8, one_w8a32;
  for (const PackedLayer& l : layers) {
    one_w8a8.push_back(w8a8(l));
    one_w8a32.push_back(w8a32(l));
    std::vector<float> expected(l.batch * l.n);
    linear_w8a8(l.rows(), l.view(), l.bias.data(), expected.data());
    INFO("W8A8 on one thread vs the reference, K " << l.k << " N " << l.n << " batch " << l.batch);
    CHECK(same_bits(one_w8a8.back(), expected));
  }
  for (std::size_t count : {2, 3}) {
    if (count > max_threads()) break;
    ThreadsFor on(count, 1);
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const PackedLayer& l = layers[i];
      INFO(count << " threads, K " << l.k << " N " << l.n << " batch " << l.batch);
      CHECK(same_bits(w8a8(l), one_w8a8[i]));
      CHECK(same_bits(w8a32(l), one_w8a32[i]));
    }
  }
}

TEST_CASE("a model's forward gives the same bits on 1, 2 and 3 threads, its activations and finite checks split "
          "over rows too, and a bad input or an overflow is reported from the calling thread", "[threads]") {
  std::mt19937 rng(23);
  std::normal_distribution<float> normal;
  const auto linear = [&](std::size_t k, std::size_t n, float spread) {
    std::vector<float> weight(n * k), bias(n);
    for (float& v : weight) v = spread * normal(rng);
    for (float& v : bias) v = normal(rng);
    return Linear(static_cast<std::ptrdiff_t>(k), static_cast<std::ptrdiff_t>(n), weight, bias);
  };
  Model fp32;
  fp32.add("a", linear(255, 97, 0.1f), Activation::relu);
  fp32.add("b", linear(97, 33, 0.1f), Activation::gelu);
  fp32.add("c", linear(33, 10, 0.1f), Activation::softmax);
  for (ForwardMode mode : {ForwardMode::weight_only, ForwardMode::dynamic}) {
    QuantLinearOptions o;
    o.mode = mode;
    const Model model = quantize_model_weights(fp32, o);
    for (std::size_t batch : {1, 5, 64}) {
      std::vector<float> x(batch * 255);
      for (float& v : x) v = normal(rng);
      const std::vector<float> one = model.forward(x, static_cast<std::ptrdiff_t>(batch));
      for (std::size_t count : {2, 3}) {
        if (count > max_threads()) break;
        ThreadsFor on(count, 1);
        INFO(to_string(mode) << ", batch " << batch << ", " << count << " threads");
        CHECK(same_bits(model.forward(x, static_cast<std::ptrdiff_t>(batch)), one));
        // A NaN in the last row: the check of that row's block finds it, the calling thread says where.
        std::vector<float> bad = x;
        bad[bad.size() - 2] = std::nanf("");
        CHECK_THROWS_WITH(model.forward(bad, static_cast<std::ptrdiff_t>(batch)),
                          Catch::Contains("forward input contains NaN at index " + std::to_string(bad.size() - 2)));
      }
    }
  }
  // Finite weights whose product overflows float32 in the last batch row only.
  Model huge;
  huge.add("wide", linear(8, 4, 1e30f), Activation::identity);
  std::vector<float> x(64 * 8, 0.5f);
  for (std::size_t i = 63 * 8; i < x.size(); ++i) x[i] = 3e30f;
  for (std::size_t count : {1, 2, 3}) {
    if (count > max_threads()) break;
    ThreadsFor on(count, 1);
    CHECK_THROWS_WITH(huge.forward(x, 64), Catch::Contains("output of layer 'wide' contains"));
  }
}

TEST_CASE("every forward mode gives the same bits on 1, 2 and 3 threads, activation quantizers included",
          "[threads]") {
  std::mt19937 rng(22);
  std::normal_distribution<float> normal;
  const std::size_t k = 255, n = 97;
  std::vector<float> weight(n * k), bias(n);
  for (float& v : weight) v = 0.1f * normal(rng);
  for (float& v : bias) v = normal(rng);
  const Linear fp32(k, n, weight, bias);
  QParams input;
  input.dtype = QuantDtype::quint8;
  input.scheme = QScheme::per_tensor_affine;
  input.qmin = 0;
  input.qmax = 255;
  input.scale = {0.03f};
  input.zero_point = {120};
  struct Mode {
    ForwardMode mode;
    ActivationScheme activations;
  };
  for (const Mode m : {Mode{ForwardMode::weight_only, ActivationScheme::per_row}, Mode{ForwardMode::dynamic, ActivationScheme::per_row},
                       Mode{ForwardMode::dynamic, ActivationScheme::pytorch}, Mode{ForwardMode::static_int8, ActivationScheme::per_row},
                       Mode{ForwardMode::llm_int8, ActivationScheme::per_row}}) {
    QuantLinearOptions o;
    o.mode = m.mode;
    o.activations = m.activations;
    o.outlier_threshold = 2.5f;  // a few outlier columns in the normal inputs below
    const QuantLinear layer = QuantLinear::from_linear(fp32, o, m.mode == ForwardMode::static_int8 ? std::optional<QParams>(input) : std::nullopt);
    for (std::size_t batch : {1, 3, 64}) {
      std::vector<float> x(batch * k);
      for (float& v : x) v = normal(rng);
      const std::vector<float> one = layer.forward(x, static_cast<std::ptrdiff_t>(batch));
      for (std::size_t count : {2, 3}) {
        if (count > max_threads()) break;
        ThreadsFor on(count, 1);
        INFO(to_string(m.mode) << " (" << to_string(m.activations) << "), batch " << batch << ", " << count << " threads");
        CHECK(same_bits(layer.forward(x, static_cast<std::ptrdiff_t>(batch)), one));
      }
    }
  }
}
