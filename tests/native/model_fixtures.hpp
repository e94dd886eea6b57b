#pragma once
// Reads tests/fixtures/mlp_models.json, written by tools/make_model_fixtures.py with PyTorch:
// two MLPs (the tutorial's FourLayerModel and a 256->512->10 MLP), inputs, and PyTorch's fp32,
// weight-only and quantize_dynamic outputs.
#include <map>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace fixtures {

struct LayerQParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
};

struct QuantizedCase {
  bool symmetric = true;
  bool per_channel = false;
  std::vector<std::string> exclude;
  std::map<std::string, LayerQParams> layers;
  std::map<std::string, std::vector<float>> outputs;  // by input name
};

struct ModelInput {
  std::string name;
  std::ptrdiff_t batch = 0;
  std::vector<float> values;
};

struct MlpFixture {
  std::string name;
  qlinear::Model model;
  std::vector<ModelInput> inputs;
  std::map<std::string, std::vector<float>> fp32;
  std::vector<QuantizedCase> weight_only;
  std::vector<QuantizedCase> dynamic;  // symmetric qint8 weights, PyTorch's quantize_dynamic
};

const std::vector<MlpFixture>& mlp_fixtures();

}  // namespace fixtures
