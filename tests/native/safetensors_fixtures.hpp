#pragma once
// The PyTorch-made safetensors fixtures (tools/make_safetensors_fixtures.py): PyTorch's outputs
// for each file (expected.json) and the files' bytes.
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fixtures {

inline nlohmann::json expected_outputs() {
  std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/safetensors/expected.json");
  return nlohmann::json::parse(in);
}

inline std::vector<float> floats(const nlohmann::json& j) {
  std::vector<float> out;
  for (const auto& v : j) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

}  // namespace fixtures

std::vector<uint8_t> read_fixture_file(const std::string& name);  // test_safetensors.cpp
