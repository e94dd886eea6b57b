#include "model_fixtures.hpp"

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fixtures {

namespace {

std::vector<uint8_t> base64_decode(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const auto v = alphabet.find(c);
    if (v == std::string::npos) throw std::runtime_error("bad base64 in fixture");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

// Little-endian float32 bytes (the fixture's *_f32_b64 fields); this test host is little-endian.
std::vector<float> f32_b64(const nlohmann::json& j) {
  const std::vector<uint8_t> bytes = base64_decode(j.get<std::string>());
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

std::vector<float> floats(const nlohmann::json& j) {
  std::vector<float> out;
  for (const auto& v : j) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

std::map<std::string, std::vector<float>> outputs(const nlohmann::json& j) {
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, values] : j.items()) out[name] = floats(values);
  return out;
}

QuantizedCase quantized_case(const nlohmann::json& j, bool symmetric) {
  QuantizedCase c;
  c.symmetric = j.contains("symmetric") ? j.at("symmetric").get<bool>() : symmetric;
  c.per_channel = j.at("per_channel").get<bool>();
  if (j.contains("exclude")) c.exclude = j.at("exclude").get<std::vector<std::string>>();
  for (const auto& [name, l] : j.at("layers").items())
    c.layers[name] = LayerQParams{floats(l.at("scale")), l.at("zero_point").get<std::vector<int32_t>>()};
  c.outputs = outputs(j.at("outputs"));
  return c;
}

std::vector<MlpFixture> load() {
  const std::string path = std::string(QLINEAR_FIXTURE_DIR) + "/mlp_models.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture file " + path);
  const nlohmann::json doc = nlohmann::json::parse(in);
  std::vector<MlpFixture> out;
  for (const auto& m : doc.at("models")) {
    MlpFixture f;
    f.name = m.at("name").get<std::string>();
    const auto& activations = m.at("activations");
    for (std::size_t i = 0; i < m.at("layers").size(); ++i) {
      const auto& l = m.at("layers")[i];
      f.model.add(l.at("name").get<std::string>(),
                  qlinear::Linear(l.at("in_features").get<std::ptrdiff_t>(), l.at("out_features").get<std::ptrdiff_t>(),
                                  f32_b64(l.at("weight_f32_b64")), f32_b64(l.at("bias_f32_b64"))),
                  qlinear::parse_activation(activations[i].get<std::string>()));
    }
    for (const auto& i : m.at("inputs"))
      f.inputs.push_back({i.at("name").get<std::string>(), i.at("batch").get<std::ptrdiff_t>(), f32_b64(i.at("values_f32_b64"))});
    f.fp32 = outputs(m.at("fp32"));
    for (const auto& c : m.at("weight_only")) f.weight_only.push_back(quantized_case(c, true));
    for (const auto& c : m.at("dynamic")) f.dynamic.push_back(quantized_case(c, true));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const std::vector<MlpFixture>& mlp_fixtures() {
  static const std::vector<MlpFixture> f = load();
  return f;
}

}  // namespace fixtures
