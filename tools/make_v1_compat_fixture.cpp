// Writes tests/fixtures/safetensors/qlinear_v1_int8.safetensors and prints the outputs stored in
// qlinear_v1_int8.json: a quantized model saved by qlinear as of commit dd4cbb7 (format version 1,
// before llm-int8 / static), so today's reader is tested against a file an older qlinear wrote.
// It must be built against that commit, not the current tree:
//
//   git worktree add --detach /tmp/oldq dd4cbb7
//   cmake -S /tmp/oldq -B /tmp/oldq/build -DQLINEAR_BUILD_TESTS=OFF && cmake --build /tmp/oldq/build --target qlinear_core
//   g++ -std=c++17 -O2 -I/tmp/oldq/src -I/tmp/oldq/build/third_party_include tools/make_v1_compat_fixture.cpp \
//       /tmp/oldq/build/libqlinear_core.a -o /tmp/make_v1
//   /tmp/make_v1 web/demo/models/fashion_mnist_mlp.safetensors tests/fixtures/safetensors/qlinear_v1_int8.safetensors
#include <cstdio>
#include <fstream>
#include <iterator>

#include "qlinear/qlinear.hpp"

using namespace qlinear;

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  const Model fp32 = load_model(SafetensorsFile::parse(bytes));
  QuantLinearOptions dynamic;  // layer 0: per-channel symmetric qint8, dynamic
  dynamic.mode = ForwardMode::dynamic;
  Model q = quantize_model_weights(fp32, dynamic, {"2", "4"});
  QuantLinearOptions affine;  // layer 2: per-tensor affine quint8, weight-only
  affine.symmetric = false;
  affine.per_channel = false;
  affine.dtype = QuantDtype::quint8;
  Model out;
  out.add(q.layers()[0]);
  out.add("2", QuantLinear::from_linear(std::get<Linear>(fp32.layer("2").op), affine), Activation::relu);
  out.add(q.layers()[2]);  // layer 4 stays fp32
  const std::vector<uint8_t> file = save_model(out);
  std::ofstream(argv[2], std::ios::binary).write(reinterpret_cast<const char*>(file.data()), file.size());
  std::vector<float> x(2 * 784);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 256) / 255.0f;
  const std::vector<float> y = out.forward(x, 2);
  std::printf("[");
  for (std::size_t i = 0; i < y.size(); ++i) std::printf("%s%.9g", i ? ", " : "", y[i]);
  std::printf("]\n");
}
