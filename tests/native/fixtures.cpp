#include "fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fixtures {

uint32_t bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

double max_scaled_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) throw std::runtime_error("max_scaled_difference: lengths differ");
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(b[i])));
  return worst;
}

std::string Case::label() const {
  std::string s = input + (per_channel ? " per_channel axis " + std::to_string(axis) : " per_tensor");
  s += symmetric ? " symmetric " : " affine ";
  s += qlinear::to_string(dtype) + (reduce_range ? " reduce_range" : "") + " range " + qlinear::to_string(range);
  return s;
}

qlinear::QuantOptions Case::options() const {
  qlinear::QuantOptions o;
  o.per_channel = per_channel;
  o.axis = axis;
  o.dtype = dtype;
  o.reduce_range = reduce_range;
  o.range = range;
  return o;
}

namespace {

// JSON numbers are the float32 values printed as shortest-round-trip doubles, so converting the
// parsed double back to float is exact.
std::vector<float> floats(const nlohmann::json& j) {
  std::vector<float> out;
  for (const auto& v : j) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

QuantizerFixtures load() {
  const std::string path = std::string(QLINEAR_FIXTURE_DIR) + "/quantizer_cases.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture file " + path);
  const nlohmann::json doc = nlohmann::json::parse(in);

  QuantizerFixtures f;
  for (const auto& [name, input] : doc.at("inputs").items())
    f.inputs[name] = Input{input.at("shape").get<qlinear::Shape>(), floats(input.at("values"))};

  for (const auto& j : doc.at("cases")) {
    Case c;
    c.input = j.at("input").get<std::string>();
    c.per_channel = j.at("granularity").get<std::string>() == "per_channel";
    c.symmetric = j.at("symmetric").get<bool>();
    c.dtype = qlinear::parse_dtype(j.at("dtype").get<std::string>());
    c.reduce_range = j.at("reduce_range").get<bool>();
    c.range = qlinear::parse_range_variant(j.at("range").get<std::string>());
    if (c.per_channel) c.axis = j.at("axis").get<int>();
    if (j.contains("error")) {
      c.error = j.at("error").get<std::string>();
    } else {
      c.qmin = j.at("qmin").get<int32_t>();
      c.qmax = j.at("qmax").get<int32_t>();
      c.scale = floats(j.at("scale"));
      c.zero_point = j.at("zero_point").get<std::vector<int32_t>>();
      c.q = j.at("q").get<std::vector<int32_t>>();
      c.dq = floats(j.at("dq"));
      c.fq = floats(j.at("fq"));
    }
    f.cases.push_back(std::move(c));
  }
  for (const auto& j : doc.at("running_min_max")) {
    RunningCase r;
    r.chunks = j.at("chunks").get<std::vector<std::string>>();
    r.symmetric = j.at("symmetric").get<bool>();
    r.scale = static_cast<float>(j.at("scale").at(0).get<double>());
    r.zero_point = j.at("zero_point").at(0).get<int32_t>();
    f.running.push_back(r);
  }
  const auto& no_data = doc.at("observer_without_data").at("MinMaxObserver");
  f.no_data_scale = static_cast<float>(no_data.at("scale").at(0).get<double>());
  f.no_data_zero_point = no_data.at("zero_point").at(0).get<int32_t>();
  return f;
}

}  // namespace

const QuantizerFixtures& quantizer_fixtures() {
  static const QuantizerFixtures f = load();
  return f;
}

}  // namespace fixtures
