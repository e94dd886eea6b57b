// Arbitrary bytes as a safetensors file: the reader must either accept them or throw
// qlinear::Error; anything else (a crash, a sanitizer report, another exception) is a bug.
// Accepted files are also converted, inspected, loaded as a model and, if that works, saved
// and loaded again, which must give the same outputs.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "qlinear/qlinear.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qlinear;
  try {
    const SafetensorsFile file = SafetensorsFile::parse(std::vector<uint8_t>(data, data + size));
    for (const TensorInfo& t : file.tensors()) {
      try {
        (void)file.to_float32(t);
      } catch (const Error&) {
      }
    }
    (void)inspect_tensors(file);
    const Model model = load_model(file);
    const Model back = load_model(SafetensorsFile::parse(save_model(model)));
    const std::vector<float> x(model.in_features(), 0.5f);
    std::vector<float> a, b;
    try {
      a = model.forward(x, 1);
    } catch (const Error&) {
      return 0;  // e.g. a layer whose output overflows float32
    }
    b = back.forward(x, 1);
    if (a != b) std::abort();  // save -> load must be exact
  } catch (const Error&) {
  }
  return 0;
}
