// The MLP model: building it, quantize_model_weights with exclusions, the report.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Contains;

namespace {

Linear random_linear(std::ptrdiff_t in, std::ptrdiff_t out, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const float bound = 1.0f / std::sqrt(static_cast<float>(in));  // nn.Linear's default init range
  std::vector<float> w(static_cast<std::size_t>(in * out)), b(static_cast<std::size_t>(out));
  for (float& v : w) v = u(rng) * bound;
  for (float& v : b) v = u(rng) * bound;
  return Linear(in, out, w, b);
}

// The tutorial's FourLayerModel: 64 -> 128 -> 256 -> 128 -> 1 -> 9, ReLU after all but the last.
Model four_layer_model() {
  Model m;
  m.add("layer1", random_linear(64, 128, 1), Activation::relu)
      .add("layer2", random_linear(128, 256, 2), Activation::relu)
      .add("layer3", random_linear(256, 128, 3), Activation::relu)
      .add("layer4", random_linear(128, 1, 4), Activation::relu)
      .add("layer5", random_linear(1, 9, 5));
  return m;
}

std::vector<float> random_input(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  return x;
}

}  // namespace

TEST_CASE("FourLayerModel in a few lines, batched forward", "[model]") {
  const Model model = four_layer_model();
  CHECK(model.in_features() == 64);
  CHECK(model.out_features() == 9);
  const std::vector<float> x = random_input(5 * 64, 7);
  const std::vector<float> y = model.forward(x, 5);
  REQUIRE(y.size() == 45);
  // Row 3 of a batch equals that row run alone.
  const std::vector<float> row3(x.begin() + 3 * 64, x.begin() + 4 * 64);
  const std::vector<float> alone = model.forward(row3, 1);
  for (std::size_t j = 0; j < 9; ++j) CHECK(alone[j] == y[3 * 9 + j]);
}

TEST_CASE("quantize_model_weights replaces what is not excluded and leaves the original intact", "[model]") {
  const Model model = four_layer_model();
  const std::vector<float> x = random_input(64, 3);
  const std::vector<float> before = model.forward(x, 1);
  const Model q = quantize_model_weights(model, {}, {"layer1", "layer5"});
  CHECK(model.forward(x, 1) == before);
  CHECK_FALSE(model.layer("layer2").is_quantized());
  CHECK_FALSE(q.layer("layer1").is_quantized());
  CHECK(q.layer("layer2").is_quantized());
  CHECK(q.layer("layer4").is_quantized());
  CHECK_FALSE(q.layer("layer5").is_quantized());
  CHECK(q.layer("layer2").weight_error.has_value());
  CHECK_FALSE(q.layer("layer1").weight_error.has_value());
  // Excluded layers are the same fp32 layers: their outputs match bit for bit.
  CHECK(q.forward_each_layer(x, 1).front() == model.forward_each_layer(x, 1).front());
  // Quantizing a quantized model again is refused unless its int8 layers are excluded (kept as
  // they are): their error would compound, and other options could not apply to them.
  CHECK_THROWS_WITH(quantize_model_weights(q), Contains("layer 'layer2' is int8 already"));
  const Model twice = quantize_model_weights(q, {}, {"layer2", "layer3", "layer4"});
  CHECK(twice.layer("layer1").is_quantized());
  CHECK(twice.layer("layer5").is_quantized());
  CHECK(twice.forward(x, 1).size() == 9);
}

TEST_CASE("the report: sizes, schemes, scale ranges and output error", "[model][report]") {
  const Model model = four_layer_model();
  QuantLinearOptions o;
  o.symmetric = false;
  o.per_channel = true;
  const Model q = quantize_model_weights(model, o, {"layer5"});
  const ModelReport r = report_model(q);
  REQUIRE(r.layers.size() == 5);
  const LayerReport& l2 = r.layers[1];
  CHECK(l2.name == "layer2");
  CHECK(l2.kind == "quant_linear");
  CHECK(l2.dtype == "qint8");
  CHECK(l2.scheme == "per_channel_affine");
  CHECK(l2.mode == "weight-only");
  CHECK(l2.bytes_fp32 == (128 * 256 + 256) * 4);
  CHECK(l2.bytes == 128 * 256 + 256 * 8 + 256 * 4);
  CHECK(l2.scale_min > 0.0f);
  CHECK(l2.scale_min <= l2.scale_max);
  REQUIRE(l2.weight_error.has_value());
  CHECK(l2.weight_error->sqnr_db > 30.0);
  CHECK(r.layers[4].kind == "linear");
  CHECK(r.layers[4].bytes == r.layers[4].bytes_fp32);
  CHECK(r.bytes_fp32 == report_model(model).bytes);
  CHECK(r.bytes < r.bytes_fp32 / 3);

  const std::vector<float> x = random_input(16 * 64, 5);
  const OutputComparison c = compare_outputs(model, q, x, 16);
  CHECK(c.layer_error.size() == 5);
  CHECK(c.output_error.max_abs_error > 0.0);
  CHECK(c.output_error.sqnr_db > 20.0);
  // 8-bit weights keep the winning class of every one of these 16 rows; argmax agreement is the
  // fraction of rows, so one flipped row would show as 15/16.
  CHECK(c.argmax_agreement == 1.0);
  const OutputComparison self = compare_outputs(model, model, x, 16);
  CHECK(self.output_error.max_abs_error == 0.0);
  CHECK(self.argmax_agreement == 1.0);
}

TEST_CASE("forward mode is chosen per layer", "[model]") {
  Model q = quantize_model_weights(four_layer_model());
  q.set_forward_mode("layer2", ForwardMode::dynamic);
  CHECK(std::get<QuantLinear>(q.layer("layer2").op).mode() == ForwardMode::dynamic);
  CHECK(std::get<QuantLinear>(q.layer("layer3").op).mode() == ForwardMode::weight_only);
  CHECK(report_model(q).layers[1].mode == "dynamic");
  CHECK_THROWS_WITH(q.set_forward_mode("layer9", ForwardMode::dynamic), Contains("no layer named 'layer9'"));
  const Model mixed = quantize_model_weights(four_layer_model(), {}, {"layer3"});
  Model m2 = mixed;
  CHECK_THROWS_WITH(m2.set_forward_mode("layer3", ForwardMode::dynamic), Contains("'layer3' is fp32"));
}

TEST_CASE("models refuse layers that do not chain, duplicate names and unknown exclusions", "[model][bad-input]") {
  Model m;
  m.add("a", random_linear(4, 8, 1), Activation::relu);
  CHECK_THROWS_WITH(m.add("b", random_linear(5, 2, 2)), Contains("layer 'b' takes 5 inputs, but 'a' before it gives 8"));
  CHECK_THROWS_WITH(m.add("a", random_linear(8, 2, 2)), Contains("already has a layer named 'a'"));
  CHECK_THROWS_WITH(m.add("", random_linear(8, 2, 2)), Contains("needs a name"));
  CHECK(m.layers().size() == 1);
  CHECK_THROWS_WITH(quantize_model_weights(m, {}, {"layer1"}), Contains("modules_to_exclude names 'layer1'") && Contains("(its layers: a)"));
  // Quantizing int8 layers again is refused (their error would compound); excluding them keeps them.
  const Model int8 = quantize_model_weights(m);
  CHECK_THROWS_WITH(quantize_model_weights(int8, {}), Contains("layer 'a' is int8 already") && Contains("exclude 'a'"));
  CHECK(quantize_model_weights(int8, {}, {"a"}).layers().front().is_quantized());
  CHECK_THROWS_WITH(Model().forward(std::vector<float>{1}, 1), Contains("no layers"));
  CHECK_THROWS_WITH(m.forward(std::vector<float>(4), 2), Contains("needs 8"));
  CHECK_THROWS_WITH(m.forward(std::vector<float>(4), 0), Contains("batch must be positive"));
  Model other;
  other.add("x", random_linear(4, 8, 1));
  CHECK_THROWS_WITH(compare_outputs(m, other, std::vector<float>(4), 1), Contains("cannot compare models"));
}

TEST_CASE("forward_into equals forward layer by layer, through the scratch buffers, and refuses a wrong output size",
          "[model]") {
  const Model fp32 = four_layer_model();
  QuantLinearOptions dynamic;
  dynamic.mode = ForwardMode::dynamic;
  const Model int8 = quantize_model_weights(fp32, dynamic, {});
  for (const Model* model : {&fp32, &int8}) {
    // Batches that shrink and grow again, so the scratch buffers are reused at other sizes.
    for (std::ptrdiff_t batch : {1, 7, 2, 33, 1}) {
      const std::vector<float> x = random_input(static_cast<std::size_t>(batch) * 64, static_cast<unsigned>(batch));
      std::vector<float> y(static_cast<std::size_t>(batch) * 9, -1.0f);
      model->forward_into(x, batch, y);
      // The reference: every layer's own allocating forward, one after the other.
      std::vector<float> expected = x;
      for (const Layer& layer : model->layers()) expected = layer.forward(expected, batch);
      INFO("batch " << batch);
      CHECK(y == expected);
      CHECK(model->forward(x, batch) == expected);
    }
    const std::vector<float> x = random_input(2 * 64, 3);
    std::vector<float> small(17), large(19);
    CHECK_THROWS_WITH(model->forward_into(x, 2, small), Contains("the output has room for 17 values, but batch 2 x 9 features needs 18"));
    CHECK_THROWS_WITH(model->forward_into(x, 2, large), Contains("the output has room for 19 values"));
    // The input is checked first, and a refused call leaves the model working.
    std::vector<float> y(18);
    CHECK_THROWS_WITH(model->forward_into(std::vector<float>(127), 2, y), Contains("input has 127 values"));
    CHECK_THROWS_WITH(model->forward_into(x, 0, y), Contains("batch must be positive"));
    model->forward_into(x, 2, y);
    CHECK(y == model->forward(x, 2));
  }
  const Linear linear = random_linear(4, 3, 9);
  std::vector<float> two(2);
  CHECK_THROWS_WITH(linear.forward_into(std::vector<float>(4, 1.0f), 1, two), Contains("Linear forward: the output has room for 2 values"));
  const QuantLinear q = QuantLinear::from_linear(linear, dynamic);
  CHECK_THROWS_WITH(q.forward_into(std::vector<float>(4, 1.0f), 1, two), Contains("QuantLinear forward: the output has room for 2 values"));
}
