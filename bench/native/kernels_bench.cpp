// The int8 kernels natively (the kernels one thread, the workloads on 1 and 2): the packed SIMD kernels beside the scalar reference
// (the oracle), on the workload shapes, reported as GMAC/s (counter "GMAC/s"), and the
// issue's whole workloads through the public Model API (BM_model/*). The context line
// "packed_kernels" says which ISA's kernels ran.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "qlinear/kernels/packed.hpp"
#include "qlinear/kernels/reference.hpp"
#include "qlinear/model.hpp"
#include "qlinear/threads.hpp"

using namespace qlinear::kernels;

namespace {

struct Problem {
  std::size_t k, n, batch;
  std::vector<uint8_t> weights;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  std::vector<float> bias, x, y;
  std::vector<uint8_t> xq;
  std::vector<float> x_scale;
  std::vector<int32_t> x_zero_point;
  PackedWeights packed;

  Problem(std::size_t k_, std::size_t n_, std::size_t batch_) : k(k_), n(n_), batch(batch_) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> byte(0, 255);
    std::normal_distribution<float> normal;
    weights.resize(n * k);
    for (auto& v : weights) v = static_cast<uint8_t>(byte(rng));
    scale.assign(n, 0.01f);
    zero_point.assign(n, 0);
    bias.assign(n, 0.1f);
    const std::size_t stride = padded(k);
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
    packed = pack_weights(view());
  }
  QuantizedWeightsView view() const { return {weights.data(), false, scale.data(), zero_point.data(), true, n, k}; }
  QuantizedRowsView rows() const { return {xq.data(), x_scale.data(), x_zero_point.data(), batch, k, padded(k)}; }
};

void report(benchmark::State& state, const Problem& p) {
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(p.k * p.n * p.batch) * state.iterations() / 1e9,
                                                benchmark::Counter::kIsRate);
}

// Runs the benchmark's loop on state.range(3) threads.
struct ThreadsArg {
  explicit ThreadsArg(const benchmark::State& state) { qlinear::set_threads(static_cast<std::size_t>(state.range(3))); }
  ~ThreadsArg() { qlinear::set_threads(1); }
};

void BM_w8a8_packed(benchmark::State& state) {
  Problem p(state.range(0), state.range(1), state.range(2));
  const ThreadsArg threads(state);
  for (auto _ : state) {
    linear_w8a8_packed(p.rows(), p.packed, p.bias.data(), p.y.data());
    benchmark::DoNotOptimize(p.y.data());
  }
  report(state, p);
}

void BM_w8a8_reference(benchmark::State& state) {
  Problem p(state.range(0), state.range(1), state.range(2));
  for (auto _ : state) {
    linear_w8a8(p.rows(), p.view(), p.bias.data(), p.y.data());
    benchmark::DoNotOptimize(p.y.data());
  }
  report(state, p);
}

void BM_w8a32_packed(benchmark::State& state) {
  Problem p(state.range(0), state.range(1), state.range(2));
  const ThreadsArg threads(state);
  for (auto _ : state) {
    linear_w8a32_packed(p.x.data(), padded(p.k), p.batch, p.packed, p.bias.data(), p.y.data());
    benchmark::DoNotOptimize(p.y.data());
  }
  report(state, p);
}

void BM_w8a32_reference(benchmark::State& state) {
  Problem p(state.range(0), state.range(1), state.range(2));
  std::vector<float> x(p.batch * p.k);
  for (std::size_t b = 0; b < p.batch; ++b)
    for (std::size_t i = 0; i < p.k; ++i) x[b * p.k + i] = p.x[b * padded(p.k) + i];
  for (auto _ : state) {
    linear_w8a32(x.data(), p.batch, p.view(), p.bias.data(), p.y.data());
    benchmark::DoNotOptimize(p.y.data());
  }
  report(state, p);
}

// {K, N, batch}: W1 4096x4096 b1; W2's 1024->4096 layer at b1/16/128; W3's 784->1024 at b1/64.
// The packed kernels on 1 and 2 threads; the reference on one.
void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"K", "N", "batch", "threads"});
  for (int64_t threads : {1, 2})
    for (auto s : std::vector<std::vector<int64_t>>{{4096, 4096, 1}, {1024, 4096, 1}, {1024, 4096, 16}, {1024, 4096, 128},
                                                    {784, 1024, 1}, {784, 1024, 64}})
      b->Args({s[0], s[1], s[2], threads});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}

void reference_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"K", "N", "batch"});
  for (auto s : std::vector<std::vector<int64_t>>{{4096, 4096, 1}, {1024, 4096, 1}, {1024, 4096, 16}, {1024, 4096, 128},
                                                  {784, 1024, 1}, {784, 1024, 64}})
    b->Args(s);
  b->Unit(benchmark::kMillisecond);
}


// The whole workloads through the public C++ API (Model::forward after
// quantize_model_weights: activation quantization, padding, ReLU and all), one thread: the
// numbers to put beside PyTorch's quantize_dynamic (bench/native/pytorch_dynamic.py).
struct Workload {
  const char* name;
  std::vector<int> dims;
};
const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all = {{"W1", {4096, 4096}},
                                            {"W2", {1024, 4096, 1024}},
                                            {"W3", {784, 1024, 1024, 10}},
                                            {"W4", {64, 128, 256, 128, 1, 9}}};
  return all;
}

void BM_model(benchmark::State& state, qlinear::ForwardMode mode) {
  const Workload& wl = workloads()[state.range(0)];
  const auto batch = static_cast<std::ptrdiff_t>(state.range(1));
  qlinear::set_threads(static_cast<std::size_t>(state.range(2)));
  std::mt19937 rng(2);
  qlinear::Model fp32;
  double macs = 0;
  for (std::size_t i = 0; i + 1 < wl.dims.size(); ++i) {
    const int in = wl.dims[i], out = wl.dims[i + 1];
    std::uniform_real_distribution<float> init(-1.0f / std::sqrt(static_cast<float>(in)), 1.0f / std::sqrt(static_cast<float>(in)));
    std::vector<float> weight(static_cast<std::size_t>(in) * out), bias(out);
    for (float& v : weight) v = init(rng);
    for (float& v : bias) v = init(rng);
    const bool last = i + 2 == wl.dims.size();
    fp32.add("layer" + std::to_string(i), qlinear::Linear(in, out, std::move(weight), std::move(bias)),
             last ? qlinear::Activation::identity : qlinear::Activation::relu);
    macs += static_cast<double>(in) * out * batch;
  }
  qlinear::QuantLinearOptions options;
  options.mode = mode;
  const qlinear::Model model = qlinear::quantize_model_weights(fp32, options);
  std::normal_distribution<float> normal;
  std::vector<float> x(static_cast<std::size_t>(wl.dims.front()) * batch);
  for (float& v : x) v = normal(rng);
  for (auto _ : state) benchmark::DoNotOptimize(model.forward(x, batch));
  qlinear::set_threads(1);
  state.SetLabel(wl.name);
  state.counters["GMAC/s"] = benchmark::Counter(macs * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

// {workload index, batch, threads}: W1 b1; W2 b1/16/128; W3 b1/64; W4 b1 (issue 8's cases), on 1
// and 2 threads (qlinear::set_threads; this machine has 2 cores). Real time: with threads, the
// calling thread's CPU time is not the wall time.
void workload_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"workload", "batch", "threads"});
  for (int64_t threads : {1, 2})
    for (auto c : std::vector<std::vector<int64_t>>{{0, 1}, {1, 1}, {1, 16}, {1, 128}, {2, 1}, {2, 64}, {3, 1}})
      b->Args({c[0], c[1], threads});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}

}  // namespace

BENCHMARK_CAPTURE(BM_model, w8a8, qlinear::ForwardMode::dynamic)->Apply(workload_cases);
BENCHMARK_CAPTURE(BM_model, w8a32, qlinear::ForwardMode::weight_only)->Apply(workload_cases);
BENCHMARK(BM_w8a8_packed)->Apply(shapes);
BENCHMARK(BM_w8a8_reference)->Apply(reference_shapes);
BENCHMARK(BM_w8a32_packed)->Apply(shapes);
BENCHMARK(BM_w8a32_reference)->Apply(reference_shapes);

int main(int argc, char** argv) {
  // Which packed kernels ran (natively chosen from CPUID; QLINEAR_X86_ISA=sse41|avx2 caps it).
  benchmark::AddCustomContext("packed_kernels", packed_kernels_isa());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
