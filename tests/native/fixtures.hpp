#pragma once
// Reads tests/fixtures/quantizer_cases.json, written by tools/make_fixtures.py with PyTorch.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace fixtures {

struct Input {
  qlinear::Shape shape;
  std::vector<float> values;
};

struct Case {
  std::string input;
  bool per_channel = false;
  bool symmetric = false;
  qlinear::QuantDtype dtype = qlinear::QuantDtype::qint8;
  bool reduce_range = false;
  qlinear::RangeVariant range = qlinear::RangeVariant::full;
  int axis = 0;
  std::optional<std::string> error;  // PyTorch refused this combination
  int32_t qmin = 0, qmax = 0;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  std::vector<int32_t> q;
  std::vector<float> dq;
  std::vector<float> fq;

  std::string label() const;  // for INFO(): which case failed
  qlinear::QuantOptions options() const;
};

struct RunningCase {
  std::vector<std::string> chunks;
  bool symmetric = false;
  float scale = 0;
  int32_t zero_point = 0;
};

struct QuantizerFixtures {
  std::map<std::string, Input> inputs;
  std::vector<Case> cases;
  std::vector<RunningCase> running;
  float no_data_scale = 0;
  int32_t no_data_zero_point = -1;
};

// Parsed once, shared by every test.
const QuantizerFixtures& quantizer_fixtures();

// The bit pattern of a float, so tests can demand bit-exact equality (and tell -0 from +0).
uint32_t bits(float v);

// Largest |a − b| / (1 + |b|): a relative bound for outputs above 1, an absolute one below.
// Throws if the lengths differ.
double max_scaled_difference(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace fixtures
