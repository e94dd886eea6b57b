// The streaming checkpoint quantizer against PyTorch: tests/fixtures/checkpoints/ holds a
// GPT-2-shaped and a sharded Llama-shaped checkpoint and, for each output format, the tensors
// torch computed with that format's formula (tools/make_checkpoint_fixtures.py). Every tensor
// qlinear writes must equal them byte for byte; and bad checkpoints get errors naming the file
// and the tensor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlinear/checkpoint_writer.hpp"
#include "qlinear/kernels/partition.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Matchers::Contains;

namespace {

const std::string kDir = std::string(QLINEAR_FIXTURE_DIR) + "/checkpoints/";

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const std::string& path) {
  const auto bytes = read_all(path);
  return {bytes.begin(), bytes.end()};
}

// A file read at offsets, as the page and Node read one; `reads` counts the bytes asked for.
CheckpointFile file_from_bytes(std::string name, std::shared_ptr<std::vector<uint8_t>> bytes,
                               std::shared_ptr<uint64_t> reads = nullptr) {
  const uint64_t size = bytes->size();
  return {std::move(name), size, [bytes, reads, name](uint64_t offset, Span<uint8_t> out) {
            if (offset > bytes->size() || out.size() > bytes->size() - offset) throw Error("short read");
            if (!out.empty()) std::memcpy(out.data(), bytes->data() + offset, out.size());
            if (reads) *reads += out.size();
          }};
}

CheckpointFile fixture_file(const std::string& relative) {
  return file_from_bytes(relative, std::make_shared<std::vector<uint8_t>>(read_all(kDir + relative)));
}

CheckpointSource gpt2() { return CheckpointSource::open(fixture_file("gpt2/model.safetensors")); }

CheckpointSource llama() {
  const std::string dir = "llama-sharded/";
  return CheckpointSource::open_sharded(
      "model.safetensors.index.json", read_text(kDir + dir + "model.safetensors.index.json"),
      {file_from_bytes("model-00001-of-00002.safetensors",
                       std::make_shared<std::vector<uint8_t>>(read_all(kDir + dir + "model-00001-of-00002.safetensors"))),
       file_from_bytes("model-00002-of-00002.safetensors",
                       std::make_shared<std::vector<uint8_t>>(read_all(kDir + dir + "model-00002-of-00002.safetensors")))});
}

std::vector<uint8_t> write_all(const CheckpointSource& source, const CheckpointPlan& plan, const CheckpointWriteOptions& o,
                               std::vector<CheckpointProgress>* progress = nullptr) {
  std::vector<uint8_t> out;
  const uint64_t size = quantize_checkpoint(source, plan, o, [&](Span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); },
                                            [&](const CheckpointProgress& p) { if (progress) progress->push_back(p); });
  CHECK(size == out.size());
  return out;
}

// Every tensor of `expected` is in `actual`, with the same dtype, shape and bytes, and nothing else is.
void check_same_tensors(const SafetensorsFile& actual, const SafetensorsFile& expected) {
  CHECK(actual.tensors().size() == expected.tensors().size());
  for (const TensorInfo& e : expected.tensors()) {
    INFO("tensor " << e.name);
    REQUIRE(actual.contains(e.name));
    const TensorInfo& a = actual.tensor(e.name);
    CHECK(to_string(a.dtype) == to_string(e.dtype));
    CHECK(a.shape == e.shape);
    const auto ab = actual.raw(a), eb = expected.raw(e);
    REQUIRE(ab.size() == eb.size());
    CHECK(std::memcmp(ab.data(), eb.data(), ab.size()) == 0);
  }
}

}  // namespace

TEST_CASE("GPT-2: the plan quantizes the Conv1D projections and passes embeddings, norms, biases and buffers", "[checkpoint]") {
  const CheckpointSource source = gpt2();
  const CheckpointPlan plan = plan_checkpoint(source, {read_text(kDir + "gpt2/config.json"), {}, {}});
  CHECK(plan.model_type == "gpt2");
  CHECK(plan.quantized_count() == 8);
  for (const TensorPlan& p : plan.tensors) {
    INFO(p.name);
    if (p.quantize) {
      CHECK(p.layout == WeightLayout::conv1d);
      const CheckpointTensor& t = source.tensor(p.name);
      CHECK(p.in_features == static_cast<std::size_t>(t.shape[0]));
      CHECK(p.out_features == static_cast<std::size_t>(t.shape[1]));
    }
  }
  const auto reason = [&](const std::string& name) {
    for (const TensorPlan& p : plan.tensors)
      if (p.name == name) return p.reason;
    return std::string("absent");
  };
  CHECK(reason("transformer.wte.weight") == "embedding");
  CHECK(reason("transformer.wpe.weight") == "embedding");
  CHECK(reason("transformer.h.0.attn.bias") == "buffer");
  CHECK(reason("transformer.h.0.attn.masked_bias") == "buffer");
  CHECK(reason("transformer.h.1.ln_2.weight") == "norm");
  CHECK(reason("transformer.h.1.mlp.c_fc.bias") == "bias");
  // Without config.json the key names say GPT-2 as well.
  CHECK(plan_checkpoint(source).quantized_count() == 8);
}

TEST_CASE("GPT-2: every format writes what PyTorch computes, byte for byte", "[checkpoint]") {
  const CheckpointSource source = gpt2();
  const CheckpointPlan plan = plan_checkpoint(source, {read_text(kDir + "gpt2/config.json"), {}, {}});
  for (const auto& [format, name] : {std::pair{CheckpointFormat::bitsandbytes, "bitsandbytes"},
                                     std::pair{CheckpointFormat::compressed_tensors, "compressed-tensors"}}) {
    INFO(name);
    CheckpointWriteOptions o;
    o.format = format;
    std::vector<CheckpointProgress> progress;
    const SafetensorsFile out = SafetensorsFile::parse(write_all(source, plan, o, &progress));
    check_same_tensors(out, SafetensorsFile::parse(read_all(kDir + "expected/gpt2." + name + ".safetensors")));
    CHECK(out.metadata().at("qlinear.checkpoint_format") == name);
    // One report per tensor, in order, and a layer report for each quantized weight.
    REQUIRE(progress.size() == source.tensors().size());
    CHECK(progress.back().bytes_written == progress.back().bytes_total);
    std::size_t layers = 0;
    for (const CheckpointProgress& p : progress)
      if (p.layer) {
        ++layers;
        CHECK(p.layer->error.sqnr_db > 30.0);
        CHECK(p.layer->scale_min > 0.0f);
      }
    CHECK(layers == 8);
  }
}

TEST_CASE("a sharded Llama: one source; every format writes what PyTorch computes", "[checkpoint]") {
  const CheckpointSource source = llama();
  CHECK(source.files().size() == 2);
  const CheckpointPlan plan = plan_checkpoint(source, {read_text(kDir + "llama-sharded/config.json"), {}, {}});
  CHECK(plan.quantized_count() == 14);
  for (const TensorPlan& p : plan.tensors) {
    if (p.name == "lm_head.weight") CHECK_THAT(p.reason, Contains("output head"));
    if (p.name == "model.embed_tokens.weight") CHECK(p.reason == "embedding");
    if (p.quantize) CHECK(p.layout == WeightLayout::linear);
  }
  for (const auto& [format, name] : {std::pair{CheckpointFormat::bitsandbytes, "bitsandbytes"},
                                     std::pair{CheckpointFormat::compressed_tensors, "compressed-tensors"}}) {
    INFO(name);
    CheckpointWriteOptions o;
    o.format = format;
    check_same_tensors(SafetensorsFile::parse(write_all(source, plan, o)),
                       SafetensorsFile::parse(read_all(kDir + "expected/llama." + name + ".safetensors")));
  }
}

TEST_CASE("exclude and include by module name, with glob patterns", "[checkpoint]") {
  CHECK(module_matches("transformer.h.*.attn", "transformer.h.0.attn.c_attn"));
  CHECK(module_matches("transformer.h.*.attn", "transformer.h.11.attn"));
  CHECK_FALSE(module_matches("transformer.h.*.attn", "transformer.h.0.mlp.c_fc"));
  CHECK_FALSE(module_matches("transformer.*.attn", "transformer.h.0.attn"));  // * stays within one part
  CHECK(module_matches("transformer.**.attn", "transformer.h.0.attn"));
  CHECK(module_matches("model.layers.?.mlp", "model.layers.1.mlp.up_proj"));

  const CheckpointSource source = gpt2();
  const CheckpointPlan excluded = plan_checkpoint(source, {"", {"transformer.h.*.attn"}, {}});
  CHECK(excluded.quantized_count() == 4);
  for (const TensorPlan& p : excluded.tensors)
    if (p.module.find(".attn.c_") != std::string::npos && p.name.find(".weight") != std::string::npos)
      CHECK(p.reason == "excluded by 'transformer.h.*.attn'");
  CHECK(plan_checkpoint(source, {"", {}, {"transformer.h.1"}}).quantized_count() == 4);
  CHECK_THROWS_WITH(plan_checkpoint(source, {"", {"transformer.h.*.attention"}, {}}),
                    Contains("exclude pattern 'transformer.h.*.attention' matches no module"));
  CHECK_THROWS_WITH(plan_checkpoint(source, {"", {}, {"decoder"}}), Contains("include pattern 'decoder' matches no module"));
}

TEST_CASE("the qlinear format: PyTorch's observers on the [out, in] weight, read back as they were written", "[checkpoint]") {
  const CheckpointSource source = gpt2();
  const CheckpointPlan plan = plan_checkpoint(source);
  CheckpointWriteOptions o;
  o.format = CheckpointFormat::qlinear;
  o.symmetric = false;
  o.dtype = QuantDtype::quint8;
  const SafetensorsFile out = SafetensorsFile::parse(write_all(source, plan, o));
  const auto found = std::find_if(plan.tensors.begin(), plan.tensors.end(),
                                  [](const TensorPlan& t) { return t.name == "transformer.h.0.attn.c_attn.weight"; });
  REQUIRE(found != plan.tensors.end());
  const TensorPlan& p = *found;
  const std::vector<float> stored = source.read_float32(source.tensor(p.name));
  std::vector<float> rows(stored.size());  // Conv1D [in, out] → [out, in]
  for (std::size_t j = 0; j < p.out_features; ++j)
    for (std::size_t k = 0; k < p.in_features; ++k) rows[j * p.in_features + k] = stored[k * p.out_features + j];
  QuantOptions q;
  q.per_channel = true;
  q.dtype = QuantDtype::quint8;
  const Shape shape{static_cast<int64_t>(p.out_features), static_cast<int64_t>(p.in_features)};
  const QuantizedTensor expected = quantize_tensor(rows, get_asymmetric_qparams(rows, shape, q), shape);
  const auto weight = out.raw(out.tensor(p.name));
  CHECK(std::vector<uint8_t>(weight.begin(), weight.end()) == expected.storage);
  CHECK(out.to_float32(out.tensor("transformer.h.0.attn.c_attn.weight_scale")) == expected.qparams.scale);
  CHECK(out.to_int32(out.tensor("transformer.h.0.attn.c_attn.weight_zero_point")) == expected.qparams.zero_point);
  // Everything else as it was: the embedding's bytes.
  std::vector<uint8_t> wte(static_cast<std::size_t>(source.tensor("transformer.wte.weight").bytes));
  source.read(source.tensor("transformer.wte.weight"), 0, wte);
  const auto copied = out.raw(out.tensor("transformer.wte.weight"));
  CHECK(std::vector<uint8_t>(copied.begin(), copied.end()) == wte);
}

TEST_CASE("float_to_half rounds to nearest even and reads back every half exactly", "[checkpoint]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    REQUIRE(float_to_half(f) == h);
  }
  CHECK(float_to_half(1.0f + 1.0f / 2048) == 0x3C00);           // a tie: to the even 1.0
  CHECK(float_to_half(1.0f + 3.0f / 2048) == 0x3C02);           // a tie: to the even 1 + 2/1024
  CHECK(float_to_half(65519.0f) == 0x7BFF);                      // the largest half
  CHECK(float_to_half(65520.0f) == 0x7C00);                      // rounds to infinity
  CHECK(float_to_half(1e-8f) == 0x0000);                         // below half the smallest subnormal
  CHECK(float_to_half(-5.960464477539063e-08f) == 0x8001);       // the smallest subnormal
  // round_to_half is the round trip, on every float whose top 19 bits are given (each exponent,
  // sign and leading mantissa bits) with the dropped 13 bits at and around the tie, and on a
  // stride through all 2^32 bit patterns.
  auto same = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    const float a = round_to_half(f), b = half_to_float(float_to_half(f));
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, 4) == 0;
  };
  for (uint32_t top = 0; top < (1u << 19); ++top)
    for (uint32_t low : {0x0000u, 0x0001u, 0x0FFFu, 0x1000u, 0x1001u, 0x1FFFu})
      REQUIRE(same(top << 13 | low));
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) REQUIRE(same(static_cast<uint32_t>(bits)));
}

TEST_CASE("the array float16 conversions equal the one-value ones, block by block", "[checkpoint]") {
  // Bit patterns at and around the tie of every exponent, sign and leading mantissa bits, a stride
  // through all 2^32, then runs of plain values (the fast path) with one special value (zero,
  // subnormal, overflow, infinity, NaN) dropped in at each position of a 256-value block.
  std::vector<uint32_t> bits;
  for (uint32_t top = 0; top < (1u << 19); top += 7)
    for (uint32_t low : {0x0000u, 0x0FFFu, 0x1000u, 0x1001u}) bits.push_back(top << 13 | low);
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 65537) bits.push_back(static_cast<uint32_t>(b));
  for (uint32_t special : {0x00000000u, 0x80000000u, 0x33800000u, 0x477FF000u, 0x7F800000u, 0x7FC00000u})
    for (std::size_t at : {0u, 1u, 255u, 256u, 300u}) {
      for (std::size_t i = 0; i < 301; ++i) bits.push_back(i == at ? special : 0x3F800000u + static_cast<uint32_t>(i) * 4097u);
    }
  std::vector<float> x(bits.size());
  std::memcpy(x.data(), bits.data(), 4 * bits.size());
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{256}, std::size_t{257}, x.size()}) {
    std::vector<uint16_t> h(n);
    float_to_half(x.data(), n, h.data());
    std::vector<float> r(n);
    bool all_finite = true;
    for (std::size_t i = 0; i < n; ++i) {
      REQUIRE(h[i] == float_to_half(x[i]));
      all_finite &= std::isfinite(round_to_half(x[i]));
    }
    CHECK(round_to_half(x.data(), n, r.data()) == all_finite);
    for (std::size_t i = 0; i < n; ++i) {
      const float one = round_to_half(x[i]);
      REQUIRE(((std::isnan(one) && std::isnan(r[i])) || std::memcmp(&one, &r[i], 4) == 0));
    }
  }
  // In place, and a block of plain values still reports an overflow after it.
  std::vector<float> y = {1.5f, -2.25f, 0.1f, 70000.0f};
  CHECK_FALSE(round_to_half(y.data(), y.size(), y.data()));
  CHECK(y[2] == round_to_half(0.1f));
  CHECK(std::isinf(y[3]));
}

TEST_CASE("bad checkpoints: errors name the file and the tensor, and nothing is written past the header", "[checkpoint][bad-input]") {
  const std::string dir = kDir + "llama-sharded/";
  const std::string index = read_text(dir + "model.safetensors.index.json");
  auto shard = [&](const std::string& name) {
    return file_from_bytes(name, std::make_shared<std::vector<uint8_t>>(read_all(dir + name)));
  };
  const std::string s1 = "model-00001-of-00002.safetensors", s2 = "model-00002-of-00002.safetensors";
  CHECK_THROWS_WITH(CheckpointSource::open_sharded("model.safetensors.index.json", index, {shard(s1)}),
                    Contains("places tensor 'lm_head.weight' in " + s2 + ", which is missing"));
  // A shard the index does not name (shard 1's bytes again, under another name).
  CHECK_THROWS_WITH(CheckpointSource::open_sharded("model.safetensors.index.json", index,
                                                   {shard(s1), shard(s2), file_from_bytes("extra.safetensors", std::make_shared<std::vector<uint8_t>>(read_all(dir + s1)))}),
                    Contains("does not name the shard extra.safetensors"));
  // The same tensors in two shards (shard 1's bytes given as shard 2 too).
  CHECK_THROWS_WITH(CheckpointSource::open_sharded("model.safetensors.index.json", index,
                                                   {shard(s1), file_from_bytes(s2, std::make_shared<std::vector<uint8_t>>(read_all(dir + s1)))}),
                    Contains("tensor 'model.embed_tokens.weight' is in both " + s1 + " and " + s2));
  {
    // An index that puts one tensor in both files' places: shard 2 lacks it.
    std::string moved = index;
    const std::string key = "\"model.embed_tokens.weight\": \"" + s1 + "\"";
    REQUIRE(moved.find(key) != std::string::npos);
    moved.replace(moved.find(key), key.size(), "\"model.embed_tokens.weight\": \"" + s2 + "\"");
    CHECK_THROWS_WITH(CheckpointSource::open_sharded("model.safetensors.index.json", moved, {shard(s1), shard(s2)}),
                      Contains(s1 + " holds tensor 'model.embed_tokens.weight', which the index does not place there"));
  }
  CHECK_THROWS_WITH(CheckpointSource::open_sharded("model.safetensors.index.json", "{\"weight_map\": 3}", {shard(s1)}),
                    Contains("model.safetensors.index.json: an index is a JSON object"));
  // A truncated shard: its header says more bytes than the file has.
  auto truncated = std::make_shared<std::vector<uint8_t>>(read_all(dir + s2));
  truncated->resize(truncated->size() - 100);
  CHECK_THROWS_WITH(CheckpointSource::open(file_from_bytes(s2, truncated)),
                    Contains(s2 + ": tensor 'lm_head.weight': data_offsets") && Contains("run past"));
  // A header length past the end of the file.
  auto short_file = std::make_shared<std::vector<uint8_t>>(read_all(dir + s1));
  short_file->resize(64);
  CHECK_THROWS_WITH(CheckpointSource::open(file_from_bytes(s1, short_file)), Contains(s1 + ": header length") && Contains("runs past the end"));
  // An unknown dtype.
  auto bad_dtype = std::make_shared<std::vector<uint8_t>>(read_all(dir + s1));
  const std::string bf16 = "\"BF16\"";
  const auto at = std::search(bad_dtype->begin(), bad_dtype->end(), bf16.begin(), bf16.end());
  REQUIRE(at != bad_dtype->end());
  std::copy_n("\"BX16\"", 6, at);
  CHECK_THROWS_WITH(CheckpointSource::open(file_from_bytes(s1, bad_dtype)), Contains(s1 + ": tensor '") && Contains("unknown dtype 'BX16'"));
  // A Conv1D weight whose shape disagrees with config.json.
  std::string config = read_text(kDir + "gpt2/config.json");
  config.replace(config.find("\"n_embd\": 64"), 12, "\"n_embd\": 32");
  CHECK_THROWS_WITH(plan_checkpoint(gpt2(), {config, {}, {}}),
                    Contains("tensor 'transformer.h.0.attn.c_attn.weight' has shape [64, 192], but config.json's n_embd 32"));
  // A read that fails half-way: the error names the file, after the header was written.
  auto bytes = std::make_shared<std::vector<uint8_t>>(read_all(kDir + "gpt2/model.safetensors"));
  const uint64_t size = bytes->size();
  CheckpointFile failing{"gpt2/model.safetensors", size, [bytes](uint64_t offset, Span<uint8_t> out) {
                           if (offset > 300'000) throw Error("the disk went away");
                           std::memcpy(out.data(), bytes->data() + offset, out.size());
                         }};
  const CheckpointSource source = CheckpointSource::open(failing);
  CHECK_THROWS_WITH(write_all(source, plan_checkpoint(source), {}),
                    Contains("gpt2/model.safetensors, tensor '") && Contains("': the disk went away"));
}

TEST_CASE("a standard-library exception while quantizing becomes an error naming what was being done", "[checkpoint][bad-input]") {
  // Each kind thrown where the work meets the outside world (a read, a write), so that none can
  // reach a person as a bare word such as "vector".
  const auto bytes = std::make_shared<std::vector<uint8_t>>(read_all(kDir + "gpt2/model.safetensors"));
  const std::vector<std::pair<std::function<void()>, std::string>> kinds = {
      {[] { throw std::bad_alloc(); }, "out of memory"},
      {[] { throw std::length_error("vector"); }, "a size larger than this build can hold (vector)"},
      {[] { std::vector<int>().at(3); }, "an index out of range ("},
      {[] { const auto json = nlohmann::json::parse("{\"weight_map\": "); (void)json; }, ": JSON: [json.exception.parse_error"},
  };
  for (const auto& [fail, words] : kinds) {
    INFO(words);
    // In a read: the tensor being read and its file.
    CheckpointFile file{"gpt2/model.safetensors", bytes->size(), [bytes, &fail = fail](uint64_t offset, Span<uint8_t> out) {
                          if (offset > 300'000) fail();
                          std::memcpy(out.data(), bytes->data() + offset, out.size());
                        }};
    const CheckpointSource source = CheckpointSource::open(file);
    const CheckpointPlan plan = plan_checkpoint(source);
    CHECK_THROWS_AS(write_all(source, plan, {}), Error);
    CHECK_THROWS_WITH(write_all(source, plan, {}), Contains("gpt2/model.safetensors, tensor '") && Contains(words));
    // In a write: the tensor being written (the header's own write too).
    int writes = 0;
    for (const int failing_write : {1, 4}) {
      writes = 0;
      const WriteBytes write = [&, &fail = fail](Span<const uint8_t>) {
        if (++writes == failing_write) fail();
      };
      const CheckpointSource good = gpt2();
      CHECK_THROWS_WITH(quantize_checkpoint(good, plan_checkpoint(good), {}, write),
                        Contains(failing_write == 1 ? "writing the output's header: " : "copying tensor 'transformer.") &&
                            Contains(words));
    }
  }
  // While opening: a header read that fails, and a shard's.
  CheckpointFile broken{"broken.safetensors", 1000, [](uint64_t, Span<uint8_t>) { throw std::bad_alloc(); }};
  CHECK_THROWS_WITH(CheckpointSource::open(broken), Contains("broken.safetensors: out of memory"));
}

TEST_CASE("a quantized tensor holding NaN is refused, naming it", "[checkpoint][bad-input]") {
  TensorToWrite w{"fc.weight", SafetensorsDtype::F32, {2, 3}, to_bytes(std::vector<float>{1, 2, 3, 4, std::nanf(""), 6})};
  const auto file = std::make_shared<std::vector<uint8_t>>(write_safetensors({w}));
  const CheckpointSource source = CheckpointSource::open(file_from_bytes("nan.safetensors", file));
  CHECK_THROWS_WITH(write_all(source, plan_checkpoint(source), {}), Contains("weight 'fc.weight' contains NaN at index 4"));
}

TEST_CASE("quantization_config tells the loaders which linear layers were kept", "[checkpoint]") {
  const CheckpointSource source = gpt2();
  const CheckpointPlan all = plan_checkpoint(source);
  CHECK(all.kept_linear_modules().empty());
  CHECK_THAT(quantization_config(CheckpointFormat::bitsandbytes, all), Contains("\"llm_int8_skip_modules\": null"));
  CHECK_THAT(quantization_config(CheckpointFormat::compressed_tensors, all), Contains("\"ignore\": [\n    \"lm_head\"\n  ]"));
  CHECK(quantization_config(CheckpointFormat::qlinear, all).empty());
  const CheckpointPlan some = plan_checkpoint(source, {"", {"transformer.h.0.attn"}, {}});
  CHECK(some.kept_linear_modules() == std::vector<std::string>{"transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj"});
  CHECK_THAT(quantization_config(CheckpointFormat::bitsandbytes, some), Contains("\"transformer.h.0.attn.c_attn\""));
  CHECK_THAT(quantization_config(CheckpointFormat::compressed_tensors, some), Contains("\"transformer.h.0.attn.c_proj\""));
}

// `count` threads, with even the fixtures' small weights split, until the end of the scope.
struct ThreadsFor {
  std::size_t saved_min = kernels::min_macs_per_thread();
  explicit ThreadsFor(std::size_t count) {
    set_threads(count);
    kernels::set_min_macs_per_thread(1);
  }
  ~ThreadsFor() {
    set_threads(1);
    kernels::set_min_macs_per_thread(saved_min);
  }
};

TEST_CASE("the checkpoint writer gives the same bytes and reports on 1, 2 and 3 threads", "[checkpoint][threads]") {
  const CheckpointSource gpt2_source = gpt2(), llama_source = llama();
  const auto run = [&](const CheckpointSource& source, CheckpointFormat format, std::size_t threads) {
    const ThreadsFor using_threads(threads);
    CheckpointWriteOptions o;
    o.format = format;
    std::vector<CheckpointProgress> progress;
    std::vector<uint8_t> bytes = write_all(source, plan_checkpoint(source), o, &progress);
    return std::pair{bytes, progress};
  };
  for (const CheckpointSource* source : {&gpt2_source, &llama_source})
    for (const CheckpointFormat format : {CheckpointFormat::bitsandbytes, CheckpointFormat::compressed_tensors}) {
      INFO(source->files()[0].name << ", " << name_of(format));
      const auto [one_bytes, one_progress] = run(*source, format, 1);
      for (const std::size_t threads : {2, 3}) {
        if (threads > max_threads()) continue;  // a single-threaded wasm build
        INFO(threads << " threads");
        const auto [bytes, progress] = run(*source, format, threads);
        CHECK(bytes == one_bytes);
        REQUIRE(progress.size() == one_progress.size());
        for (std::size_t i = 0; i < progress.size(); ++i) {
          REQUIRE(progress[i].layer.has_value() == one_progress[i].layer.has_value());
          if (!progress[i].layer) continue;
          // The error sums are merged row by row in order: the same doubles on any thread count.
          CHECK(progress[i].layer->error.mse == one_progress[i].layer->error.mse);
          CHECK(progress[i].layer->error.sqnr_db == one_progress[i].layer->error.sqnr_db);
          CHECK(progress[i].layer->error.cosine_similarity == one_progress[i].layer->error.cosine_similarity);
          CHECK(progress[i].layer->error.max_abs_error == one_progress[i].layer->error.max_abs_error);
        }
      }
    }
}

TEST_CASE("on several threads, a weight that does not fit float16 is refused at its first such row", "[checkpoint][threads][bad-input]") {
  // 64 rows of 8: rows 40 and 10 overflow float16; one thread meets row 10 first, and so must three.
  std::vector<float> values(64 * 8, 0.5f);
  values[40 * 8 + 3] = 1e6f;
  values[10 * 8 + 5] = -1e6f;
  TensorToWrite w{"fc.weight", SafetensorsDtype::F32, {64, 8}, to_bytes(values)};
  const auto file = std::make_shared<std::vector<uint8_t>>(write_safetensors({w}));
  const CheckpointSource source = CheckpointSource::open(file_from_bytes("big.safetensors", file));
  for (const std::size_t threads : {1, 3}) {
    if (threads > max_threads()) continue;  // a single-threaded wasm build
    INFO(threads << " threads");
    const ThreadsFor using_threads(threads);
    CheckpointWriteOptions o;
    o.format = CheckpointFormat::bitsandbytes;
    CHECK_THROWS_WITH(write_all(source, plan_checkpoint(source), o),
                      Contains("weight 'fc.weight': -1000000.000000 (row 10) does not fit float16"));
  }
}
