#include "qlinear/checkpoint_source.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

// Runs fn; a qlinear::Error it throws gets "<file>: " in front, so every message names the file,
// and any other exception becomes an Error naming the file.
template <typename Fn>
auto in_file(const std::string& file, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(file + ": " + e.what());
  } catch (...) {
    rethrow_as_error(file);
  }
}

}  // namespace

void CheckpointSource::add_file(CheckpointFile file, const std::vector<std::string>* expected_names) {
  if (!file.read) throw Error(file.name + ": no way to read the file was given");
  const std::size_t index = files_.size();
  SafetensorsHeader header = in_file(file.name, [&] {
    uint8_t first[8] = {};
    if (file.size >= 8) file.read(0, {first, 8});
    const uint64_t length = safetensors_header_length({first, file.size >= 8 ? 8u : 0u}, file.size);
    std::vector<uint8_t> json(static_cast<std::size_t>(length));
    file.read(8, json);
    return parse_safetensors_header(json, file.size - 8 - length);
  });
  if (files_.empty()) metadata_ = header.metadata;
  std::set<std::string> in_header;
  for (HeaderEntry& e : header.tensors) {
    if (index_.count(e.name))
      throw Error("tensor '" + e.name + "' is in both " + files_[tensors_[index_.at(e.name)].file].name + " and " + file.name);
    in_header.insert(e.name);
    index_[e.name] = tensors_.size();
    tensors_.push_back({e.name, e.dtype, std::move(e.shape), index, header.data_start + e.begin, e.byte_size()});
  }
  if (expected_names) {
    for (const std::string& name : *expected_names)
      if (!in_header.count(name))
        throw Error("the index places tensor '" + name + "' in " + file.name + ", whose header does not have it");
    for (const std::string& name : in_header)
      if (std::find(expected_names->begin(), expected_names->end(), name) == expected_names->end())
        throw Error(file.name + " holds tensor '" + name + "', which the index does not place there");
  }
  files_.push_back(std::move(file));
}

CheckpointSource CheckpointSource::open(CheckpointFile file) {
  CheckpointSource source;
  source.add_file(std::move(file), nullptr);
  return source;
}

CheckpointSource CheckpointSource::open_sharded(const std::string& index_name, const std::string& index_json,
                                                std::vector<CheckpointFile> shards) {
  return while_doing("opening the shards of " + index_name, [&] {
    // Shard file → the tensors the index places there, in the index's order.
    std::map<std::string, std::vector<std::string>> placed;
    in_file(index_name, [&] {
      nlohmann::json index;
      try {
        index = nlohmann::json::parse(index_json);
      } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("not valid JSON: ") + e.what());
      }
      if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw Error("an index is a JSON object with a \"weight_map\" object of tensor names to shard files");
      for (const auto& [tensor, shard] : index["weight_map"].items()) {
        if (!shard.is_string()) throw Error("weight_map: tensor '" + tensor + "' names no shard file (" + shard.dump() + ")");
        placed[shard.get<std::string>()].push_back(tensor);
      }
      if (placed.empty()) throw Error("weight_map names no tensors");
      return 0;
    });
    std::set<std::string> given;
    for (const CheckpointFile& s : shards) {
      if (!given.insert(s.name).second) throw Error("shard " + s.name + " was given twice");
      if (!placed.count(s.name))
        throw Error(index_name + " does not name the shard " + s.name + " among its files");
    }
    for (const auto& [shard, tensors] : placed)
      if (!given.count(shard))
        throw Error(index_name + " places tensor '" + tensors.front() + "' in " + shard + ", which is missing");
    CheckpointSource source;
    for (CheckpointFile& s : shards) {
      const std::vector<std::string>& expected = placed.at(s.name);
      source.add_file(std::move(s), &expected);
    }
    return source;
  });
}

const CheckpointTensor& CheckpointSource::tensor(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) throw Error("the checkpoint has no tensor named '" + name + "'");
  return tensors_[it->second];
}

bool CheckpointSource::contains(const std::string& name) const { return index_.count(name) != 0; }

uint64_t CheckpointSource::tensor_bytes() const {
  uint64_t total = 0;
  for (const CheckpointTensor& t : tensors_) total += t.bytes;
  return total;
}

void CheckpointSource::read(const CheckpointTensor& t, uint64_t offset, Span<uint8_t> out) const {
  if (offset > t.bytes || out.size() > t.bytes - offset)
    throw Error("tensor '" + t.name + "': a read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) +
                " runs past its " + std::to_string(t.bytes) + " bytes");
  const CheckpointFile& file = files_[t.file];
  in_file(file.name + ", tensor '" + t.name + "'", [&] { return file.read(t.offset + offset, out), 0; });
}

std::vector<float> CheckpointSource::read_float32(const CheckpointTensor& t) const {
  if (t.bytes > std::numeric_limits<std::size_t>::max() / 4)
    throw Error("tensor '" + t.name + "' is " + std::to_string(t.bytes) + " bytes: too large for this build to hold");
  std::vector<float> out(static_cast<std::size_t>(t.element_count()));
  read_float32(t, out);
  return out;
}

void CheckpointSource::read_float32(const CheckpointTensor& t, Span<float> out) const {
  if (out.size() != t.element_count())
    throw Error("tensor '" + t.name + "' has " + std::to_string(t.element_count()) + " values, not " + std::to_string(out.size()));
  if (t.dtype == SafetensorsDtype::F32) {  // straight into place: one float32 copy at the peak
    read(t, 0, {reinterpret_cast<uint8_t*>(out.data()), out.size() * 4});
    return;
  }
  // Other dtypes a chunk at a time, so the peak is the float32 copy and one chunk.
  const std::size_t size = element_size(t.dtype);
  const std::size_t step = (std::size_t{4} << 20) / size;  // elements per chunk
  std::vector<uint8_t> raw;
  for (std::size_t at = 0; at < out.size(); at += step) {
    const std::size_t n = std::min(step, out.size() - at);
    raw.resize(n * size);
    read(t, at * static_cast<uint64_t>(size), raw);
    convert_to_float32(t.name, t.dtype, raw, {out.data() + at, n});
  }
}

}  // namespace qlinear
