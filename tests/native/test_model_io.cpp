// Models in and out of safetensors: PyTorch's files load and reproduce PyTorch's outputs; our
// own files load back bit for bit; the architecture is inferred or read from a spec.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "safetensors_fixtures.hpp"
#include "model_fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using fixtures::expected_outputs;
using fixtures::floats;
using fixtures::max_scaled_difference;
using Catch::Contains;

namespace {

Model load_bytes(std::vector<uint8_t> bytes, const LoadOptions& options = {}) {
  return load_model(SafetensorsFile::parse(std::move(bytes)), options);
}

}  // namespace

TEST_CASE("PyTorch nn.Sequential files (F32, F16, BF16) load with no spec and reproduce PyTorch within 1e-5",
          "[model_io][fixtures]") {
  const nlohmann::json expected = expected_outputs();
  const std::vector<float> x = floats(expected["input"]["values"]);
  for (const char* name : {"sequential_f32.safetensors", "sequential_f16.safetensors", "sequential_bf16.safetensors"}) {
    INFO(name);
    const Model model = load_bytes(read_fixture_file(name));
    REQUIRE(model.layers().size() == 3);
    CHECK(model.layers()[0].name == "0");
    CHECK(model.layers()[0].activation == Activation::relu);
    CHECK(model.layers()[2].activation == Activation::identity);
    CHECK(max_scaled_difference(model.forward(x, 5), floats(expected["files"][name]["output"])) <= 1e-5);
  }
}

TEST_CASE("other namings load with a JSON spec", "[model_io][fixtures]") {
  const nlohmann::json expected = expected_outputs();
  const auto& file = expected["files"]["named_gelu_f32.safetensors"];
  LoadOptions o;
  o.spec = parse_model_spec(file["spec"].dump());
  const Model model = load_bytes(read_fixture_file("named_gelu_f32.safetensors"), o);
  CHECK(model.layers()[0].activation == Activation::gelu);
  CHECK(max_scaled_difference(model.forward(floats(expected["input"]["values"]), 5), floats(file["output"])) <= 1e-5);
  // Without the spec the order is inferred from the shapes; the activation is the caller's choice.
  const Model inferred = load_bytes(read_fixture_file("named_gelu_f32.safetensors"));
  REQUIRE(inferred.layers().size() == 2);
  CHECK(inferred.layers()[0].name == "encoder");
  CHECK(inferred.layers()[0].activation == Activation::relu);
  LoadOptions gelu;
  gelu.hidden_activation = Activation::gelu;
  CHECK(max_scaled_difference(load_bytes(read_fixture_file("named_gelu_f32.safetensors"), gelu).forward(floats(expected["input"]["values"]), 5),
                              floats(file["output"])) <= 1e-5);
}

TEST_CASE("the activation of an inferred nn.Sequential can be overridden", "[model_io]") {
  LoadOptions o;
  o.hidden_activation = Activation::tanh;
  o.output_activation = Activation::softmax;
  const Model model = load_bytes(read_fixture_file("sequential_f32.safetensors"), o);
  CHECK(model.layers()[1].activation == Activation::tanh);
  CHECK(model.layers()[2].activation == Activation::softmax);
}

TEST_CASE("fp32 -> safetensors -> quantize -> safetensors -> load gives identical outputs, at a quarter of the size",
          "[model_io]") {
  const auto& f = fixtures::mlp_fixtures().at(1);  // 256 -> 512 -> 10
  const auto& input = f.inputs.at(1);
  const std::vector<uint8_t> fp32_file = save_model(f.model);
  const Model fp32 = load_bytes(fp32_file);
  CHECK(fp32.forward(input.values, input.batch) == f.model.forward(input.values, input.batch));
  for (bool symmetric : {true, false})
    for (bool per_channel : {true, false})
      for (QuantDtype dtype : {QuantDtype::qint8, QuantDtype::quint8})
        for (ForwardMode mode : {ForwardMode::weight_only, ForwardMode::dynamic}) {
          QuantLinearOptions o;
          o.symmetric = symmetric;
          o.per_channel = per_channel;
          o.dtype = dtype;
          o.mode = mode;
          if (dtype == QuantDtype::quint8 && symmetric) o.reduce_range = false;
          const Model q = quantize_model_weights(fp32, o, {"2"});
          const std::vector<uint8_t> bytes = save_model(q);
          const Model back = load_bytes(bytes);
          INFO("symmetric " << symmetric << " per_channel " << per_channel << " " << to_string(dtype) << " " << to_string(mode));
          CHECK(back.forward(input.values, input.batch) == q.forward(input.values, input.batch));
          CHECK(back.layer("0").is_quantized());
          CHECK_FALSE(back.layer("2").is_quantized());
          CHECK(std::get<QuantLinear>(back.layer("0").op).mode() == mode);
        }
  const Model all_int8 = quantize_model_weights(fp32);
  const double ratio = static_cast<double>(save_model(all_int8).size()) / static_cast<double>(fp32_file.size());
  INFO("quantized / fp32 file size = " << ratio);
  CHECK(ratio < 0.27);
  CHECK(ratio > 0.24);
}

TEST_CASE("inspect lists every tensor with its dtype, shape, bytes and quantization", "[model_io]") {
  const Model q = quantize_model_weights(load_bytes(read_fixture_file("sequential_f32.safetensors")), {}, {"4"});
  const std::vector<TensorSummary> rows = inspect_tensors(SafetensorsFile::parse(save_model(q)));
  REQUIRE(rows.size() == 4 + 4 + 2);
  CHECK(rows[0].name == "0.weight");
  CHECK(rows[0].dtype == "I8");
  CHECK(rows[0].shape == Shape{32, 16});
  CHECK(rows[0].bytes == 512);
  CHECK(rows[0].quantization == "qint8 per_channel_symmetric weight-only");
  CHECK(rows[1].name == "0.weight_scale");
  CHECK(rows[2].name == "0.weight_zero_point");
  CHECK(rows[2].dtype == "I32");
  CHECK(rows[8].name == "4.weight");
  CHECK(rows[8].dtype == "F32");
  CHECK_FALSE(rows[8].quantization.has_value());
}

TEST_CASE("inspect lists the tensors of a file whose qlinear description is malformed", "[model_io][bad-input][fuzz]") {
  // Found by fuzz_safetensors: a non-string "name" made nlohmann::json throw its own type_error
  // out of inspect_tensors instead of being ignored.
  const std::vector<float> w(6, 0.5f);
  const SafetensorsFile f = SafetensorsFile::parse(write_safetensors(
      {{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)}},
      {{"qlinear.model", R"([{"kind":"quant_linear","name":5,"dtype":[]}, 7, {"kind":1}])"}}));
  const std::vector<TensorSummary> rows = inspect_tensors(f);
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(rows[0].quantization.has_value());
  CHECK_THROWS_AS(load_model(f), Error);
}

TEST_CASE("loading refuses models it cannot build, naming the tensor or layer", "[model_io][bad-input]") {
  const std::vector<float> w(6, 0.5f), b(3, 0.1f), b_wrong(2, 0.1f);
  auto file = [](std::vector<TensorToWrite> t, std::map<std::string, std::string> meta = {}) {
    return write_safetensors(t, meta);
  };
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)},
                                     {"0.bias", SafetensorsDtype::F32, {2}, to_bytes(b_wrong)}})),
                    Contains("tensor '0.bias' has shape [2], expected [3]"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {6}, to_bytes(w)}})),
                    Contains("tensor '0.weight' has shape [6], expected [out_features, in_features]"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)},
                                     {"2.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)}})),
                    Contains("layer '2' takes 2 inputs, but '0' before it gives 3"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.bias", SafetensorsDtype::F32, {3}, to_bytes(b)}})), Contains("module '0' (bias [3]) is neither an nn.Linear") && Contains("it has no '0.weight'"));
  const std::vector<float> nan_w{1, 2, 3, NAN, 5, 6};
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(nan_w)}})),
                    Contains("tensor '0.weight' contains NaN at index 3"));
  LoadOptions spec;
  spec.spec = parse_model_spec(R"({"layers":[{"name":"0"}]})");
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)},
                                     {"extra", SafetensorsDtype::F32, {3}, to_bytes(b)}}), spec),
                    Contains("tensor 'extra' is not used by any layer"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::I64, {3, 2}, std::vector<uint8_t>(48)}})),
                    Contains("qlinear reads F32, F16, BF16, F64, I32, I8 and U8"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)}}, {{"qlinear.model", "[{"}})),
                    Contains("is not valid JSON"));
  CHECK_THROWS_WITH(load_bytes(file({{"0.weight", SafetensorsDtype::F32, {3, 2}, to_bytes(w)}}, {{"qlinear.model", R"([{"name":"0"}])"}})),
                    Contains("is malformed"));
  CHECK_THROWS_WITH(parse_model_spec("{}"), Contains("model spec must be"));
  CHECK_THROWS_WITH(parse_model_spec(R"({"layers":[{"name":"a","activation":"swish"}]})"), Contains("unknown activation 'swish'"));
  CHECK_THROWS_WITH(parse_model_spec(R"({"layers":[{"name":"a","act":"relu"}]})"), Contains("unexpected key 'act'"));
}

TEST_CASE("a quantized model saved by qlinear before format version 2 still loads and computes the same",
          "[io][compat]") {
  std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/safetensors/qlinear_v1_int8.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  const SafetensorsFile file = SafetensorsFile::parse(read_fixture_file("qlinear_v1_int8.safetensors"));
  CHECK(file.metadata().at("qlinear.format_version") == "1");
  const Model model = load_model(file);
  const auto& a = std::get<QuantLinear>(model.layer("0").op);
  const auto& b = std::get<QuantLinear>(model.layer("2").op);
  CHECK(a.mode() == ForwardMode::dynamic);
  CHECK(a.qparams().scheme == QScheme::per_channel_symmetric);
  CHECK(b.mode() == ForwardMode::weight_only);
  CHECK(b.qparams().dtype == QuantDtype::quint8);
  CHECK(b.qparams().scheme == QScheme::per_tensor_affine);
  CHECK_FALSE(a.input_qparams().has_value());
  CHECK(a.outlier_threshold() == kDefaultOutlierThreshold);
  CHECK_FALSE(model.layer("4").is_quantized());
  std::vector<float> x(2 * 784);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 256) / 255.0f;
  // The int8 layers compute exactly as then; the fp32 layer 4 now sums in float (SIMD), not double.
  CHECK(max_scaled_difference(model.forward(x, 2), floats(expected.at("outputs"))) <= 1e-5);
  // Saved again, it is format version 2 and loads back the same.
  const SafetensorsFile again = SafetensorsFile::parse(save_model(model));
  CHECK(again.metadata().at("qlinear.format_version") == "2");
  CHECK(load_model(again).forward(x, 2) == model.forward(x, 2));
}

TEST_CASE("a file from a newer qlinear format is refused with a clear message", "[io][compat]") {
  std::vector<TensorToWrite> tensors = {{"fc.weight", SafetensorsDtype::F32, {1, 1}, std::vector<uint8_t>(4, 0)}};
  const std::string layers = R"([{"name":"fc","activation":"identity","kind":"linear"}])";
  const std::vector<uint8_t> bytes =
      write_safetensors(tensors, {{"format", "qlinear"}, {"qlinear.format_version", "3"}, {"qlinear.model", layers}});
  CHECK_THROWS_WITH(load_bytes(bytes), Contains("format version 3, written by a newer qlinear"));
}
