#pragma once
// A checkpoint read tensor by tensor: one safetensors file, or the shards a
// model.safetensors.index.json names, each read through a callback at byte offsets (Blob.slice()
// in a page, a file handle in Node, FILE* natively). Opening reads the headers only (the first
// 8 + N bytes of each file); a tensor's bytes are read when asked for, so memory is bounded by the
// tensor, never by the file.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "qlinear/safetensors.hpp"
#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"

namespace qlinear {

// Fills `out` with the bytes at `offset` of one file, all of them: throws (naming the file) on a
// short or failed read.
using ReadBytes = std::function<void(uint64_t offset, Span<uint8_t> out)>;

struct CheckpointFile {
  std::string name;  // as the index names it (model-00001-of-00002.safetensors), or the file's own
  uint64_t size = 0;
  ReadBytes read;
};

struct CheckpointTensor {
  std::string name;
  SafetensorsDtype dtype;
  Shape shape;
  std::size_t file = 0;  // index into CheckpointSource::files()
  uint64_t offset = 0;   // of its first byte, from the start of that file
  uint64_t bytes = 0;

  uint64_t element_count() const { return bytes / element_size(dtype); }
};

class CheckpointSource {
 public:
  // One safetensors file. Throws, naming the file, for everything SafetensorsFile::parse refuses
  // that the header shows (the length, the JSON, dtypes, shapes, offsets past the end).
  static CheckpointSource open(CheckpointFile file);

  // A sharded checkpoint: the text of its model.safetensors.index.json ({"metadata": {...},
  // "weight_map": {tensor: shard file}}) and the shards. Throws, naming the files and tensor, for
  // an index that is not that JSON, a shard the index names but that was not given, a shard given
  // but not named, the same tensor in two shards, or a tensor the index places in a shard whose
  // header lacks it (and the reverse).
  static CheckpointSource open_sharded(const std::string& index_name, const std::string& index_json,
                                       std::vector<CheckpointFile> shards);

  // Every tensor, shard by shard in the order given, each in offset order.
  const std::vector<CheckpointTensor>& tensors() const { return tensors_; }
  const CheckpointTensor& tensor(const std::string& name) const;  // throws if absent
  bool contains(const std::string& name) const;
  const std::vector<CheckpointFile>& files() const { return files_; }
  // The first file's __metadata__.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  uint64_t tensor_bytes() const;  // the data of every tensor together

  // out.size() bytes of `t` from `offset` bytes into it.
  void read(const CheckpointTensor& t, uint64_t offset, Span<uint8_t> out) const;
  // The whole tensor as float32 (F32, F16, BF16, F64, I32, I8, U8). Throws, naming it, for
  // other dtypes, or when it is larger than this build can hold (size_t).
  std::vector<float> read_float32(const CheckpointTensor& t) const;
  // The same into `out`, which holds exactly its element count.
  void read_float32(const CheckpointTensor& t, Span<float> out) const;

 private:
  void add_file(CheckpointFile file, const std::vector<std::string>* expected_names);
  std::vector<CheckpointFile> files_;
  std::vector<CheckpointTensor> tensors_;
  std::map<std::string, std::size_t> index_;  // name → position in tensors_
  std::map<std::string, std::string> metadata_;
};

}  // namespace qlinear
