// The strict safetensors reader: every malformed file gets a clear error naming the problem;
// well-formed files (PyTorch's and our own) read back exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Contains;

namespace {

// 8-byte little-endian length + header text + data.
std::vector<uint8_t> file_with(const std::string& header, std::size_t data_bytes = 0, uint64_t declared_length = UINT64_MAX) {
  const uint64_t length = declared_length == UINT64_MAX ? header.size() : declared_length;
  std::vector<uint8_t> out(8);
  std::memcpy(out.data(), &length, 8);
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

SafetensorsFile parse(std::vector<uint8_t> bytes) { return SafetensorsFile::parse(std::move(bytes)); }

const std::string kOneTensor = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

}  // namespace

std::vector<uint8_t> read_fixture_file(const std::string& name) {
  const std::string path = std::string(QLINEAR_FIXTURE_DIR) + "/safetensors/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("a well-formed file reads back: names, dtypes, shapes, metadata, values", "[safetensors]") {
  const std::vector<float> w{1.5f, -2.0f, 0.0f, 3.25f};
  const std::vector<int32_t> z{7, -9};
  const std::vector<uint8_t> bytes = write_safetensors(
      {{"w", SafetensorsDtype::F32, {2, 2}, to_bytes(w)}, {"z", SafetensorsDtype::I32, {2}, to_bytes(z)},
       {"empty", SafetensorsDtype::F32, {0, 3}, {}}},
      {{"format", "pt"}, {"note", "hello"}});
  CHECK((bytes.size() - 8 - (bytes.size() - 8 - 24)) % 8 == 0);
  const SafetensorsFile f = parse(bytes);
  REQUIRE(f.tensors().size() == 3);
  CHECK(f.metadata().at("note") == "hello");
  CHECK(f.tensor("w").shape == Shape{2, 2});
  CHECK(f.to_float32(f.tensor("w")) == w);
  CHECK(f.to_int32(f.tensor("z")) == z);
  CHECK(f.to_float32(f.tensor("empty")).empty());
  uint64_t header_length;
  std::memcpy(&header_length, bytes.data(), 8);
  CHECK(header_length % 8 == 0);  // data section aligned
}

TEST_CASE("F16 and BF16 widen exactly, including subnormals, infinities and signed zeros", "[safetensors]") {
  // half: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), -0, +inf, 0.333...
  const uint16_t halves[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x3555};
  const uint16_t bfloats[] = {0x3F80, 0xC000, 0x7F7F, 0x0001, 0x8000, 0x7F80, 0x3EAB};
  std::vector<uint8_t> h(sizeof halves), b(sizeof bfloats);
  std::memcpy(h.data(), halves, h.size());
  std::memcpy(b.data(), bfloats, b.size());
  const SafetensorsFile f = parse(write_safetensors({{"h", SafetensorsDtype::F16, {7}, h}, {"b", SafetensorsDtype::BF16, {7}, b}}));
  const std::vector<float> hv = f.to_float32(f.tensor("h"));
  CHECK(hv[0] == 1.0f);
  CHECK(hv[1] == -2.0f);
  CHECK(hv[2] == 65504.0f);
  CHECK(hv[3] == std::ldexp(1.0f, -24));
  CHECK(fixtures::bits(hv[4]) == 0x80000000u);
  CHECK(std::isinf(hv[5]));
  CHECK(hv[6] == 0.333251953125f);
  const std::vector<float> bv = f.to_float32(f.tensor("b"));
  CHECK(bv[0] == 1.0f);
  CHECK(bv[1] == -2.0f);
  CHECK(fixtures::bits(bv[2]) == 0x7F7F0000u);
  CHECK(fixtures::bits(bv[3]) == 0x00010000u);
  CHECK(std::isinf(bv[5]));
}

TEST_CASE("malformed files are refused with a message naming the problem", "[safetensors][bad-input]") {
  CHECK_THROWS_WITH(parse({1, 2, 3}), Contains("file is 3 bytes: too short for the 8-byte header length"));
  CHECK_THROWS_WITH(parse(file_with(kOneTensor, 16, 5000)), Contains("header length 5000 runs past the end of the"));
  CHECK_THROWS_WITH(parse(file_with(kOneTensor, 16, 1ull << 40)), Contains("is absurdly large"));
  // Files that are something else say what they look like and how to save safetensors.
  const std::string dir = std::string(QLINEAR_FIXTURE_DIR) + "/not-safetensors/";
  const auto read_file = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const auto save_hint = Contains("save_file(model.state_dict(), \"model.safetensors\")");
  CHECK_THROWS_WITH(parse(read_file(dir + "linear.pt")), Contains("not a safetensors file: it looks like a zip archive, the format of PyTorch's torch.save()") && save_hint);
  CHECK_THROWS_WITH(parse(read_file(dir + "linear_legacy.pt")), Contains("it looks like a Python pickle") && save_hint);
  const auto bytes_of = [](const std::string& text) {
    std::vector<uint8_t> out(text.begin(), text.end());
    out.resize(std::max<std::size_t>(out.size(), 64), 0);
    return out;
  };
  CHECK_THROWS_WITH(parse(bytes_of(std::string("\x89HDF\r\n\x1a\n", 8))), Contains("it looks like an HDF5 file (Keras .h5)"));
  CHECK_THROWS_WITH(parse(bytes_of("  {\"layers\": [1, 2, 3]}")), Contains("it looks like JSON text"));
  CHECK_THROWS_WITH(parse(bytes_of(std::string("\x08\x07\x12\x07pytorch", 11))), Contains("it looks like an ONNX model"));
  CHECK_THROWS_WITH(parse(file_with("[1,2]")), Contains("header is not a JSON object"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32",)")), Contains("header is not valid JSON"));
  CHECK_THROWS_WITH(parse(file_with("{\"w\xff\":1}")), Contains("header is not valid JSON"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}})", 1)),
                    Contains("tensor 'w' has unknown dtype 'F4'"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", 16)),
                    Contains("tensor 'w': shape [2, 3] of F32 needs 6 x 4 bytes, but data_offsets span 16"));
  CHECK_THROWS_WITH(parse(file_with(kOneTensor, 8)), Contains("run past the 8-byte data section"));
  CHECK_THROWS_WITH(parse(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12)),
                    Contains("tensor 'b' overlaps tensor 'a'"));
  CHECK_THROWS_WITH(parse(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12)),
                    Contains("tensor 'b' starts at byte 8, leaving a gap after tensor 'a'"));
  CHECK_THROWS_WITH(parse(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)),
                    Contains("leaving a gap after the header"));
  CHECK_THROWS_WITH(parse(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)),
                    Contains("header names 'a' more than once"));
  CHECK_THROWS_WITH(parse(file_with(kOneTensor, 20)), Contains("4 bytes of trailing data follow the last tensor"));
  CHECK_THROWS_WITH(parse(file_with(R"({"__metadata__":{"n":1}})")), Contains("__metadata__ value of 'n' must be a string"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[1]}})")), Contains("tensor 'w' has no 'data_offsets'"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", 4)),
                    Contains("tensor 'w' has an unexpected key 'extra'"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
                    Contains("shape entries must be non-negative integers"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4)),
                    Contains("end before they begin"));
  CHECK_THROWS_WITH(parse(file_with(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4)),
                    Contains("overflows"));
}

TEST_CASE("the writer refuses what the reader would refuse", "[safetensors][bad-input]") {
  CHECK_THROWS_WITH(write_safetensors({{"a", SafetensorsDtype::F32, {2}, {0, 0, 0, 0}}}), Contains("needs 8 bytes, got 4"));
  CHECK_THROWS_WITH(write_safetensors({{"a", SafetensorsDtype::U8, {1}, {1}}, {"a", SafetensorsDtype::U8, {1}, {1}}}),
                    Contains("two tensors are named 'a'"));
  CHECK_THROWS_WITH(write_safetensors({{"__metadata__", SafetensorsDtype::U8, {1}, {1}}}), Contains("reserved"));
}

TEST_CASE("a PyTorch-written file reads exactly", "[safetensors][fixtures]") {
  const SafetensorsFile f = parse(read_fixture_file("sequential_f32.safetensors"));
  CHECK(f.metadata().at("format") == "pt");
  CHECK(f.tensor("0.weight").shape == Shape{32, 16});
  CHECK(f.tensor("4.bias").dtype == SafetensorsDtype::F32);
  CHECK(f.tensors().size() == 6);
}
