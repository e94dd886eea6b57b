// The packed kernels compiled to wasm alone (no Embind, no JS wrapper), timed under Node: the
// kernel-level view of what `npm run bench` measures through the public API. Same shapes as
// bench/native/kernels_bench.cpp. Build and run: bash bench/wasm/run.sh
// Each shape is timed in round-robin rounds (every kernel once per round) and the median kept,
// so two kernels are compared within one run; a quick self-check against a scalar loop runs
// first (the real oracle tests are the Catch2 suite).
#include <emscripten.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "qlinear/kernels/packed.hpp"

using namespace qlinear::kernels;

namespace {

struct Problem {
  std::size_t k, n, batch, stride;
  std::vector<uint8_t> weights;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  std::vector<float> bias, x, y;
  std::vector<uint8_t> xq;
  std::vector<float> x_scale;
  std::vector<int32_t> x_zero_point;
  PackedWeights packed;

  Problem(std::size_t k_, std::size_t n_, std::size_t batch_, int32_t wzp)
      : k(k_), n(n_), batch(batch_), stride(padded(k_)) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> byte(0, 255);
    std::normal_distribution<float> normal;
    weights.resize(n * k);
    for (auto& v : weights) v = static_cast<uint8_t>(byte(rng));
    scale.assign(n, 0.01f);
    zero_point.assign(n, wzp);
    bias.assign(n, 0.1f);
    x.assign(batch * stride, 0.0f);
    xq.assign(batch * stride, 0);
    for (std::size_t b = 0; b < batch; ++b)
      for (std::size_t i = 0; i < k; ++i) {
        x[b * stride + i] = normal(rng);
        xq[b * stride + i] = static_cast<uint8_t>(byte(rng));
      }
    x_scale.assign(batch, 0.02f);
    x_zero_point.assign(batch, 128);
    y.resize(batch * n);
    packed = pack_weights({weights.data(), false, scale.data(), zero_point.data(), true, n, k});
  }
  QuantizedRowsView rows() const { return {xq.data(), x_scale.data(), x_zero_point.data(), batch, k, stride}; }
  // Cold mode: calls rotate over copies of the weights too large together for the caches.
  std::vector<PackedWeights> copies;
  std::size_t next = 0;
  const PackedWeights& current() {
    if (copies.empty()) return packed;
    next = (next + 1) % copies.size();
    return copies[next];
  }
  void w8a8() { linear_w8a8_packed(rows(), current(), bias.data(), y.data()); }
  void w8a32() { linear_w8a32_packed(x.data(), stride, batch, current(), bias.data(), y.data()); }

  // Scalar check of a few outputs.
  bool check_w8a8() {
    w8a8();
    for (std::size_t b = 0; b < batch; b += 7)
      for (std::size_t j = 0; j < n; j += 13) {
        int64_t acc = 0;
        for (std::size_t i = 0; i < k; ++i)
          acc += (xq[b * stride + i] - 128) * (static_cast<int8_t>(weights[j * k + i]) - zero_point[j]);
        const float want = 0.02f * 0.01f * static_cast<float>(acc) + 0.1f;
        if (y[b * n + j] != want) return std::printf("W8A8 mismatch b %zu j %zu: %g vs %g\n", b, j, y[b * n + j], want), false;
      }
    return true;
  }
  bool check_w8a32() {
    w8a32();
    for (std::size_t b = 0; b < batch; b += 7)
      for (std::size_t j = 0; j < n; j += 13) {
        double acc = 0, mag = 0;
        for (std::size_t i = 0; i < k; ++i) {
          const double t = x[b * stride + i] * (static_cast<int8_t>(weights[j * k + i]) - zero_point[j]);
          acc += t, mag += t < 0 ? -t : t;
        }
        const double want = 0.01 * acc + 0.1, err = y[b * n + j] - want;
        if ((err < 0 ? -err : err) > (k + 4) * 1.2e-7 * 0.01 * mag + 1e-6)
          return std::printf("W8A32 mismatch b %zu j %zu: %g vs %g\n", b, j, y[b * n + j], want), false;
      }
    return true;
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Time one call, repeated until it lasts >= 5 ms, per call in ms.
template <class F>
double sample(F&& f) {
  int reps = 1;
  for (;;) {
    const double t0 = emscripten_get_now();
    for (int i = 0; i < reps; ++i) f();
    const double t = emscripten_get_now() - t0;
    if (t >= 5.0) return t / reps;
    reps *= 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 9;
  const int32_t wzp = argc > 2 ? std::atoi(argv[2]) : 0;
  // "cold": batch-1 shapes only, each call on another of enough weight copies to fill 512 MiB,
  // so the weights come from memory as in an application (or `npm run bench`, whose contestants
  // evict each other's weights), not from a warm L2/L3.
  const bool cold = argc > 3 && std::string(argv[3]) == "cold";
  // "batched": the batch >= 2 shapes only.
  const bool batched_only = argc > 3 && std::string(argv[3]) == "batched";
  struct Shape {
    const char* name;
    std::size_t k, n, batch;
  };
  // W2a/W2b: W2's two layers; W3a/W3b: W3's first two; W4b: W4's largest.
  const Shape shapes[] = {{"W1", 4096, 4096, 1},   {"W2a", 1024, 4096, 1}, {"W2a", 1024, 4096, 16},
                          {"W2a", 1024, 4096, 128}, {"W2b", 4096, 1024, 1}, {"W2b", 4096, 1024, 16},
                          {"W2b", 4096, 1024, 128}, {"W3a", 784, 1024, 1}, {"W3a", 784, 1024, 64},
                          {"W3b", 1024, 1024, 64},  {"W4b", 128, 256, 1}};
  std::printf("weight zero point %d; median of %d rounds%s\n%-4s %5s %5s %5s | %9s %7s | %9s %7s\n", wzp, rounds,
              cold ? ", weights cold (512 MiB of copies)" : "", "", "K",
              "N", "batch", "W8A8 ms", "GMAC/s", "W8A32 ms", "GMAC/s");
  bool ok = true;
  for (const Shape& s : shapes) {
    if ((cold && s.batch != 1) || (batched_only && s.batch == 1)) continue;
    Problem p(s.k, s.n, s.batch, wzp);
    if (cold)
      for (std::size_t bytes = 0; bytes < (std::size_t{512} << 20); bytes += p.packed.values.size()) p.copies.push_back(p.packed);
    ok = p.check_w8a8() && ok;
    ok = p.check_w8a32() && ok;
    std::vector<double> a, b;
    for (int r = 0; r < rounds; ++r) {
      a.push_back(sample([&] { p.w8a8(); }));
      b.push_back(sample([&] { p.w8a32(); }));
    }
    const double macs = static_cast<double>(s.k) * s.n * s.batch;
    std::printf("%-4s %5zu %5zu %5zu | %9.4f %7.2f | %9.4f %7.2f\n", s.name, s.k, s.n, s.batch, median(a),
                macs / median(a) / 1e6, median(b), macs / median(b) / 1e6);
  }
  return ok ? 0 : 1;
}
