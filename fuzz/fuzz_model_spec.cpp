// Arbitrary text as a JSON model spec: parse_model_spec must accept it or throw qlinear::Error.
// An accepted spec is then used to load a small fixed nn.Sequential file, which must also end
// in a model or a qlinear::Error.
#include <cstdint>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace {
const std::vector<uint8_t>& sample_file() {
  using namespace qlinear;
  static const std::vector<uint8_t> bytes = write_safetensors({
      {"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(std::vector<float>{1, 2, 3, 4, 5, 6})},
      {"0.bias", SafetensorsDtype::F32, {3}, to_bytes(std::vector<float>{0, 1, 0})},
      {"2.weight", SafetensorsDtype::F32, {1, 3}, to_bytes(std::vector<float>{1, -1, 1})},
  });
  return bytes;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qlinear;
  try {
    LoadOptions options;
    options.spec = parse_model_spec(std::string(reinterpret_cast<const char*>(data), size));
    const Model model = load_model(SafetensorsFile::parse(sample_file()), options);
    (void)model.forward(std::vector<float>{0.5f, -0.5f}, 1);
  } catch (const Error&) {
  }
  return 0;
}
