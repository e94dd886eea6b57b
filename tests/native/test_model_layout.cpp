// Common PyTorch MLP layouts load without a spec (wrapped nn.Sequential, named fc1/fc2/fc3,
// BatchNorm1d folded in) and reproduce PyTorch's eval-mode outputs; ambiguous or unsupported
// layouts are errors that print a spec to edit. A model's __metadata__ and the input
// normalization it records survive quantize and save.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "safetensors_fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using fixtures::expected_outputs;
using fixtures::floats;
using fixtures::max_scaled_difference;
using Catch::Contains;

namespace {

// A linear layer's state_dict entries as header names and shapes.
void linear(std::vector<TensorName>& t, const std::string& name, int64_t in, int64_t out) {
  t.push_back({name + ".weight", {out, in}});
  t.push_back({name + ".bias", {out}});
}
void batch_norm(std::vector<TensorName>& t, const std::string& name, int64_t n) {
  for (const char* p : {"weight", "bias", "running_mean", "running_var"}) t.push_back({name + "." + p, {n}});
  t.push_back({name + ".num_batches_tracked", {}});
}

std::vector<std::string> names(const ModelLayout& layout) {
  std::vector<std::string> out;
  for (const auto& e : layout.spec.layers) out.push_back(e.name);
  return out;
}

}  // namespace

TEST_CASE("wrapped nn.Sequential, named layers and BatchNorm1d load without a spec and match PyTorch", "[model_layout][fixtures]") {
  const nlohmann::json expected = expected_outputs();
  const std::vector<float> x = floats(expected["input"]["values"]);
  for (const char* name : {"wrapped_sequential_f32.safetensors", "named_fc_f32.safetensors", "sequential_batchnorm_f32.safetensors",
                           "named_batchnorm_f32.safetensors"}) {
    INFO(name);
    const nlohmann::json& file = expected["files"][name];
    const SafetensorsFile parsed = SafetensorsFile::parse(read_fixture_file(name));
    const ModelLayout layout = describe_layout(parsed);
    const Model model = load_model(parsed);
    std::vector<std::string> layer_names;
    for (const Layer& l : model.layers()) layer_names.push_back(l.name);
    CHECK(layer_names == file["layers"].get<std::vector<std::string>>());
    CHECK(names(layout) == layer_names);
    std::vector<nlohmann::json> folds;
    for (const auto& e : layout.spec.layers) {
      if (e.batch_norm) folds.push_back({{"batchNorm", *e.batch_norm}, {"layer", e.name}, {"position", "after"}});
      if (e.batch_norm_before) folds.push_back({{"batchNorm", *e.batch_norm_before}, {"layer", e.name}, {"position", "before"}});
    }
    CHECK(nlohmann::json(folds) == file["batchNorms"]);
    // Folding reorders float operations: equal to PyTorch's separate BatchNorm within rounding.
    CHECK(max_scaled_difference(model.forward(x, 5), floats(file["output"])) <= 1e-5);
    CHECK(model.layers().back().activation == Activation::identity);
  }
}

TEST_CASE("describe_layout says what was inferred and what was assumed", "[model_layout][fixtures]") {
  const auto describe = [](const char* name) { return describe_layout(SafetensorsFile::parse(read_fixture_file(name))); };
  CHECK(describe("wrapped_sequential_f32.safetensors").kind == "sequential");
  CHECK_THAT(describe("wrapped_sequential_f32.safetensors").description, Contains("nn.Sequential under 'net'"));
  const ModelLayout named = describe("named_batchnorm_f32.safetensors");
  CHECK(named.kind == "named");
  CHECK_THAT(named.description, Contains("the activations are in forward(), not in the file: relu between layers"));
  CHECK_THAT(named.description, Contains("BatchNorm1d 'bn1' folded into 'fc1'"));
  CHECK_THAT(describe("sequential_batchnorm_f32.safetensors").description, Contains("BatchNorm1d '5' folded into '6' (before it)"));
  // The inferred spec is a spec: written out and read back, it loads the same model.
  const ModelLayout seq = describe("sequential_batchnorm_f32.safetensors");
  LoadOptions o;
  o.spec = parse_model_spec(to_json(seq.spec));
  const SafetensorsFile file = SafetensorsFile::parse(read_fixture_file("sequential_batchnorm_f32.safetensors"));
  const std::vector<float> x = floats(expected_outputs()["input"]["values"]);
  CHECK(load_model(file, o).forward(x, 5) == load_model(file).forward(x, 5));
}

TEST_CASE("named layers: shapes decide the order, numbered names break ties, ambiguity prints a spec", "[model_layout]") {
  std::vector<TensorName> t;
  linear(t, "out", 32, 10);
  linear(t, "hidden", 64, 32);
  linear(t, "input", 784, 64);
  CHECK(names(infer_layout(t, Activation::relu, Activation::identity)) == std::vector<std::string>{"input", "hidden", "out"});

  std::vector<TensorName> numbered;  // fc2 and fc3 are both 24 -> 24: two orders chain
  linear(numbered, "fc1", 16, 24);
  linear(numbered, "fc3", 24, 24);
  linear(numbered, "fc2", 24, 24);
  linear(numbered, "fc10", 24, 4);
  CHECK(names(infer_layout(numbered, Activation::relu, Activation::identity)) == std::vector<std::string>{"fc1", "fc2", "fc3", "fc10"});
  CHECK_THAT(infer_layout(numbered, Activation::relu, Activation::identity).description, Contains("numbers in their names"));

  std::vector<TensorName> ambiguous;
  linear(ambiguous, "a", 8, 8);
  linear(ambiguous, "b", 8, 8);
  CHECK_THROWS_WITH(infer_layout(ambiguous, Activation::relu, Activation::identity),
                    Contains("the layer order is ambiguous") && Contains("{\"layers\": [") && Contains("{\"activation\":\"relu\",\"name\":\"a\"}"));

  std::vector<TensorName> broken;
  linear(broken, "fc1", 8, 16);
  linear(broken, "fc2", 12, 4);
  CHECK_THROWS_WITH(infer_layout(broken, Activation::relu, Activation::identity),
                    Contains("shapes do not chain") && Contains("fc1 8→16, fc2 12→4") && Contains("Pass a spec"));
}

TEST_CASE("what no MLP layout explains is a clear error", "[model_layout][bad-input]") {
  const auto infer = [](const std::vector<TensorName>& t) { return infer_layout(t, Activation::relu, Activation::identity); };
  std::vector<TensorName> layer_norm;
  linear(layer_norm, "fc", 8, 8);
  layer_norm.push_back({"ln.weight", {8}});
  layer_norm.push_back({"ln.bias", {8}});
  CHECK_THROWS_WITH(infer(layer_norm), Contains("module 'ln' (bias [8], weight [8]) is neither an nn.Linear"));

  std::vector<TensorName> parents;
  linear(parents, "encoder.fc", 8, 8);
  linear(parents, "decoder.fc", 8, 8);
  CHECK_THROWS_WITH(infer(parents), Contains("different parents ('decoder', 'encoder')"));

  std::vector<TensorName> trailing;  // Linear, ReLU, BatchNorm1d: nothing after it to fold into
  linear(trailing, "0", 8, 8);
  batch_norm(trailing, "2", 8);
  CHECK_THROWS_WITH(infer(trailing), Contains("BatchNorm1d '2' has no Linear right after it"));

  std::vector<TensorName> wrong_width;
  linear(wrong_width, "0", 8, 6);
  batch_norm(wrong_width, "1", 8);
  CHECK_THROWS_WITH(infer(wrong_width), Contains("BatchNorm1d '1' has 8 features but Linear '0' before it gives 6"));

  std::vector<TensorName> unnamed{{"weight", {4, 4}}};
  CHECK_THROWS_WITH(infer(unnamed), Contains("tensor 'weight' is not named '<module>.<parameter>'"));
  CHECK_THROWS_WITH(infer({}), Contains("holds no Linear layer"));
  CHECK_THROWS_WITH(parse_model_spec(R"({"layers":[{"name":"a","batchNorm":3}]})"), Contains("batchNorm of layer 'a' must be a string"));
}

TEST_CASE("BatchNorm1d folds before and after a Linear compute what the pair computes", "[model_layout]") {
  const Linear l(3, 2, {0.5f, -1.0f, 2.0f, 0.25f, 0.75f, -0.5f}, {0.1f, -0.2f});
  BatchNorm1d after{{1.5f, 0.5f}, {0.2f, -0.3f}, {0.4f, -1.0f}, {2.0f, 0.25f}, 1e-5f};
  BatchNorm1d before{{}, {}, {1.0f, 0.0f, -2.0f}, {4.0f, 1.0f, 0.5f}, 1e-3f};  // affine=False
  const std::vector<float> x{0.3f, -1.2f, 2.5f, 1.0f, 0.0f, -0.5f};
  const auto bn = [](const BatchNorm1d& b, std::vector<float> v) {
    const std::size_t n = b.features();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::size_t c = i % n;
      v[i] = (v[i] - b.running_mean[c]) / std::sqrt(b.running_var[c] + b.eps) * (b.weight.empty() ? 1.0f : b.weight[c]) +
             (b.bias.empty() ? 0.0f : b.bias[c]);
    }
    return v;
  };
  CHECK(max_scaled_difference(fold_batch_norm_after(l, after).forward(x, 2), bn(after, l.forward(x, 2))) <= 1e-6);
  CHECK(max_scaled_difference(fold_batch_norm_before(before, l).forward(x, 2), l.forward(bn(before, x), 2)) <= 1e-6);
  BatchNorm1d negative = after;
  negative.running_var[1] = -1.0f;
  CHECK_THROWS_WITH(fold_batch_norm_after(l, negative), Contains("running_var[1] is -1.000000: a variance cannot be negative"));
  CHECK_THROWS_WITH(fold_batch_norm_before(after, l), Contains("BatchNorm1d of 2 features cannot be folded into a Linear of 3 inputs"));
}

TEST_CASE("a model's metadata survives load, quantize and save; qlinear's own keys are not duplicated", "[model_layout][model_io]") {
  const std::vector<float> w{1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> bytes = write_safetensors({{"0.weight", SafetensorsDtype::F32, {2, 3}, to_bytes(w)}},
                                                 {{"format", "pt"}, {"mean", "0.2860"}, {"std", "0.3530"}, {"note", "trained 10 epochs"}});
  const Model fp32 = load_model(SafetensorsFile::parse(std::move(bytes)));
  CHECK(fp32.metadata() == std::map<std::string, std::string>{{"mean", "0.2860"}, {"std", "0.3530"}, {"note", "trained 10 epochs"}});
  Model int8 = quantize_model_weights(fp32);
  CHECK(int8.metadata() == fp32.metadata());
  int8.set_metadata_entry(kInputNormalizationKey, to_json(InputNormalization{{0.5f}, {0.25f}, ""}));
  int8.set_metadata_entry("note", "");
  const SafetensorsFile saved = SafetensorsFile::parse(save_model(int8));
  CHECK(saved.metadata().at("mean") == "0.2860");
  CHECK(saved.metadata().count("note") == 0);
  CHECK(saved.metadata().at("format") == "qlinear");
  const Model reloaded = load_model(saved);
  CHECK(reloaded.metadata().count("qlinear.model") == 0);
  const auto n = find_input_normalization(reloaded.metadata());
  REQUIRE(n);
  CHECK(n->key == kInputNormalizationKey);  // qlinear's key comes before "mean" / "std"
  CHECK(n->mean == std::vector<float>{0.5f});
  CHECK(n->std == std::vector<float>{0.25f});
  CHECK_THROWS_WITH(int8.set_metadata_entry("", "x"), Contains("must not be empty"));
}

TEST_CASE("input normalization is read from the ways checkpoints record it", "[model_layout]") {
  using M = std::map<std::string, std::string>;
  const auto find = [](const M& m) { return find_input_normalization(m); };
  CHECK_FALSE(find({{"format", "pt"}}));
  CHECK(find({{"mean", "0.1307"}, {"std", "0.3081"}})->mean == std::vector<float>{0.1307f});
  CHECK(find({{"mean", "[0.485, 0.456, 0.406]"}, {"std", "[0.229, 0.224, 0.225]"}})->std == std::vector<float>{0.229f, 0.224f, 0.225f});
  const auto tv = find({{"transform", "Compose(ToTensor(), Normalize(mean=(0.2860,), std=(0.3530,)))"}});
  REQUIRE(tv);
  CHECK(tv->key == "transform");
  CHECK(tv->mean == std::vector<float>{0.2860f});
  CHECK(tv->std == std::vector<float>{0.3530f});
  CHECK(find({{"normalization", R"({"std": [2], "mean": [-1.5e-1]})"}})->mean == std::vector<float>{-0.15f});
  CHECK_THROWS_WITH(find({{"mean", "0.5"}, {"std", "0"}}), Contains("__metadata__ 'mean': std[0] is 0.000000; a std must be a number > 0"));
  CHECK_THROWS_WITH(find({{"mean", "0.5, 0.4"}, {"std", "0.2"}}), Contains("as many means as stds"));

  std::vector<float> rgb{1, 1, 1, 1, 1, 1};  // one row, 3 planes of 2 pixels
  normalize_inputs({{0.0f, 0.5f, 1.0f}, {1.0f, 0.5f, 2.0f}, ""}, rgb, 6);
  CHECK(rgb == std::vector<float>{1, 1, 1, 1, 0, 0});
  std::vector<float> odd(5);
  CHECK_THROWS_WITH(normalize_inputs({{0, 0}, {1, 1}, ""}, odd, 5), Contains("does not divide 5 features"));
}
