#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {str: str}}, then the tensor bytes, offsets relative to the end of the header.
//
// The reader is strict: it refuses anything a conforming writer would not produce (see
// parse_safetensors), each time with a message that names the problem, because these files come
// from the internet and a lenient reader is how out-of-bounds reads happen.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

// Every dtype the format defines. qlinear converts F64, F32, F16, BF16, I32, I8 and U8 to
// float32 (to_float32); the others are accepted in a file but not converted.
enum class SafetensorsDtype { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

std::string to_string(SafetensorsDtype dtype);
std::size_t element_size(SafetensorsDtype dtype);

// Refuses headers longer than this before reading them (the reference implementation's limit).
constexpr std::size_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorInfo {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  std::size_t begin;  // byte offsets into the data section
  std::size_t end;

  std::size_t byte_size() const { return end - begin; }
  std::size_t element_count() const;
};

// One tensor as a header describes it, with 64-bit offsets into the data section (a file read
// piece by piece may hold more than a 32-bit size_t counts).
struct HeaderEntry {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  uint64_t begin;
  uint64_t end;

  uint64_t byte_size() const { return end - begin; }
};

struct SafetensorsHeader {
  std::vector<HeaderEntry> tensors;  // in file (offset) order
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // 8 + the header's length
  uint64_t data_size = 0;
};

// The header's length from the file's first 8 bytes, checked against the file's size and
// kMaxSafetensorsHeaderBytes.
uint64_t safetensors_header_length(Span<const uint8_t> first_bytes, uint64_t file_size);
// Parses and checks the header JSON against a data section of `data_size` bytes, with every rule
// SafetensorsFile::parse lists: no tensor byte needs to be in memory.
SafetensorsHeader parse_safetensors_header(Span<const uint8_t> json, uint64_t data_size);

// `bytes` of `dtype` as float32 into `out` (one value per element; F16 and BF16 widened exactly,
// F64 and I32 rounded to nearest). Throws, naming the tensor, for a dtype qlinear does not convert.
void convert_to_float32(const std::string& name, SafetensorsDtype dtype, Span<const uint8_t> bytes, Span<float> out);

class SafetensorsFile {
 public:
  // Takes the whole file. Throws qlinear::Error when: the file is shorter than 8 bytes; the
  // header length runs past the end of the file or exceeds kMaxSafetensorsHeaderBytes; the
  // header is not a JSON object (invalid JSON or UTF-8, duplicate names); an entry lacks
  // dtype/shape/data_offsets or has other keys; a dtype is unknown; a shape is negative or
  // overflows; shape × dtype size differs from the byte span; offsets run out of the data; the
  // spans overlap, leave gaps or do not start at 0; bytes follow the last tensor; __metadata__
  // holds anything but strings.
  static SafetensorsFile parse(std::vector<uint8_t> bytes);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file (offset) order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo& tensor(const std::string& name) const;  // throws if absent
  bool contains(const std::string& name) const;
  Span<const uint8_t> raw(const TensorInfo& info) const;
  std::size_t file_size() const { return bytes_.size(); }

  // The tensor as float32 (F16 and BF16 widened exactly, F64 and I32 rounded to nearest).
  // Throws for dtypes qlinear does not convert.
  std::vector<float> to_float32(const TensorInfo& info) const;
  // I32 values (for zero points); throws unless the dtype is I32.
  std::vector<int32_t> to_int32(const TensorInfo& info) const;

 private:
  std::vector<uint8_t> bytes_;
  std::size_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// What a header says of one tensor to write: its bytes follow the previous tensor's.
struct HeaderTensor {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  uint64_t bytes;
};

// The 8-byte length and the JSON header for tensors laid out in this order, padded with spaces
// so the data section is 8-byte aligned. Throws on duplicate names or the name __metadata__.
std::vector<uint8_t> safetensors_header(const std::vector<HeaderTensor>& tensors,
                                        const std::map<std::string, std::string>& metadata = {});

struct TensorToWrite {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  std::vector<uint8_t> data;  // little-endian, shape × element_size bytes
};

// Writes tensors in the given order, contiguous, header padded with spaces to a multiple of 8
// so the data section is aligned. Throws on duplicate names, a data size that does not match
// the shape, or the reserved name __metadata__.
std::vector<uint8_t> write_safetensors(const std::vector<TensorToWrite>& tensors,
                                       const std::map<std::string, std::string>& metadata = {});

// Helpers to fill TensorToWrite::data.
std::vector<uint8_t> to_bytes(Span<const float> values);
std::vector<uint8_t> to_bytes(Span<const int32_t> values);

}  // namespace qlinear
