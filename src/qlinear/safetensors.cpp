#include "qlinear/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "qlinear/error.hpp"
#include "qlinear/float16.hpp"

namespace qlinear {

namespace {

using Json = nlohmann::json;

constexpr SafetensorsDtype kAllDtypes[] = {
    SafetensorsDtype::BOOL, SafetensorsDtype::U8,   SafetensorsDtype::I8,  SafetensorsDtype::F8_E5M2,
    SafetensorsDtype::F8_E4M3, SafetensorsDtype::I16, SafetensorsDtype::U16, SafetensorsDtype::F16,
    SafetensorsDtype::BF16, SafetensorsDtype::I32,  SafetensorsDtype::U32, SafetensorsDtype::F32,
    SafetensorsDtype::F64,  SafetensorsDtype::I64,  SafetensorsDtype::U64};

SafetensorsDtype parse_dtype_name(const std::string& tensor, const std::string& name) {
  for (SafetensorsDtype d : kAllDtypes)
    if (to_string(d) == name) return d;
  throw Error("tensor '" + tensor + "' has unknown dtype '" + name + "'");
}

}  // namespace

namespace {

template <typename T>
T load(const uint8_t* p) {  // little-endian hosts only (x86, wasm)
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t checked_product(const std::string& name, const Shape& shape) {
  std::size_t n = 1;
  for (int64_t d : shape) {
    // size_t is 32 bits in wasm: a dimension must fit it before it is multiplied.
    if (static_cast<uint64_t>(d) > std::numeric_limits<std::size_t>::max())
      throw Error("tensor '" + name + "' has a shape whose size overflows");
    const auto u = static_cast<std::size_t>(d);
    if (u != 0 && n > std::numeric_limits<std::size_t>::max() / u)
      throw Error("tensor '" + name + "' has a shape whose size overflows");
    n *= u;
  }
  return n;
}

uint64_t checked_product64(const std::string& name, const Shape& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    const auto u = static_cast<uint64_t>(d);
    if (u != 0 && n > std::numeric_limits<uint64_t>::max() / u) throw Error("tensor '" + name + "' has a shape whose size overflows");
    n *= u;
  }
  return n;
}

HeaderEntry parse_entry(const std::string& name, const Json& entry) {
  if (!entry.is_object()) throw Error("header entry '" + name + "' is not an object");
  for (const auto& [key, value] : entry.items()) {
    (void)value;
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw Error("tensor '" + name + "' has an unexpected key '" + key + "'");
  }
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(key)) throw Error("tensor '" + name + "' has no '" + key + "'");
  if (!entry["dtype"].is_string()) throw Error("tensor '" + name + "': dtype must be a string");
  HeaderEntry info;
  info.name = name;
  info.dtype = parse_dtype_name(name, entry["dtype"].get<std::string>());
  const Json& shape = entry["shape"];
  if (!shape.is_array()) throw Error("tensor '" + name + "': shape must be an array");
  for (const Json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw Error("tensor '" + name + "': shape entries must be non-negative integers, got " + d.dump());
    info.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  const Json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    throw Error("tensor '" + name + "': data_offsets must be two non-negative integers, got " + offsets.dump());
  const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
  if (begin > end)
    throw Error("tensor '" + name + "': data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                "] end before they begin");
  info.begin = begin;
  info.end = end;
  const uint64_t count = checked_product64(name, info.shape);
  if (count > std::numeric_limits<uint64_t>::max() / element_size(info.dtype) ||
      count * element_size(info.dtype) != info.byte_size())
    throw Error("tensor '" + name + "': shape " + to_string(info.shape) + " of " + to_string(info.dtype) + " needs " +
                std::to_string(count) + " x " + std::to_string(element_size(info.dtype)) + " bytes, but data_offsets span " +
                std::to_string(info.byte_size()));
  return info;
}

Json parse_header_json(const uint8_t* begin, const uint8_t* end) {
  if (begin == end || *begin != '{') throw Error("header is not a JSON object (it must start with '{')");
  // Track the keys of the top-level object to refuse duplicate names: nlohmann::json would
  // silently keep one of them.
  std::set<std::string> seen;
  std::string duplicate;
  auto on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  Json header;
  try {
    header = Json::parse(begin, end, on_event);
  } catch (const Json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) throw Error("header names '" + duplicate + "' more than once");
  if (!header.is_object()) throw Error("header is not a JSON object");
  return header;
}

}  // namespace

std::string to_string(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::BOOL: return "BOOL";
    case SafetensorsDtype::U8: return "U8";
    case SafetensorsDtype::I8: return "I8";
    case SafetensorsDtype::F8_E5M2: return "F8_E5M2";
    case SafetensorsDtype::F8_E4M3: return "F8_E4M3";
    case SafetensorsDtype::I16: return "I16";
    case SafetensorsDtype::U16: return "U16";
    case SafetensorsDtype::F16: return "F16";
    case SafetensorsDtype::BF16: return "BF16";
    case SafetensorsDtype::I32: return "I32";
    case SafetensorsDtype::U32: return "U32";
    case SafetensorsDtype::F32: return "F32";
    case SafetensorsDtype::F64: return "F64";
    case SafetensorsDtype::I64: return "I64";
    case SafetensorsDtype::U64: return "U64";
  }
  return "unknown";
}

std::size_t element_size(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::BOOL:
    case SafetensorsDtype::U8:
    case SafetensorsDtype::I8:
    case SafetensorsDtype::F8_E5M2:
    case SafetensorsDtype::F8_E4M3: return 1;
    case SafetensorsDtype::I16:
    case SafetensorsDtype::U16:
    case SafetensorsDtype::F16:
    case SafetensorsDtype::BF16: return 2;
    case SafetensorsDtype::I32:
    case SafetensorsDtype::U32:
    case SafetensorsDtype::F32: return 4;
    case SafetensorsDtype::F64:
    case SafetensorsDtype::I64:
    case SafetensorsDtype::U64: return 8;
  }
  return 1;
}

std::size_t TensorInfo::element_count() const { return byte_size() / element_size(dtype); }

namespace {

// What a file that is not safetensors looks like from its first bytes, or "" when unknown.
std::string recognise_other_format(Span<const uint8_t> b) {
  const auto starts = [&](const char* magic, std::size_t n) { return b.size() >= n && std::memcmp(b.data(), magic, n) == 0; };
  if (starts("PK\x03\x04", 4)) return "a zip archive, the format of PyTorch's torch.save() (.pt, .pth, pytorch_model.bin)";
  if (b.size() >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5) return "a Python pickle (an older torch.save() file)";
  if (starts("\x89HDF\r\n\x1a\n", 8)) return "an HDF5 file (Keras .h5)";
  for (const uint8_t c : b) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '{' || c == '[') return "JSON text";
    break;
  }
  if (b.size() >= 2 && b[0] == 0x08 && b[1] < 0x20) return "an ONNX model (protobuf)";
  return "";
}

}  // namespace

uint64_t safetensors_header_length(Span<const uint8_t> first_bytes, uint64_t file_size) {
  if (file_size < 8 || first_bytes.size() < 8)
    throw Error("file is " + std::to_string(file_size) + " bytes: too short for the 8-byte header length");
  const auto header_length = load<uint64_t>(first_bytes.data());
  const std::string other = header_length > file_size - 8 ? recognise_other_format(first_bytes) : "";
  if (!other.empty())
    throw Error("not a safetensors file: it looks like " + other +
                ". Save a PyTorch state_dict as safetensors with: from safetensors.torch import save_file; "
                "save_file(model.state_dict(), \"model.safetensors\")");
  if (header_length > kMaxSafetensorsHeaderBytes)
    throw Error("header length " + std::to_string(header_length) + " is absurdly large (limit " +
                std::to_string(kMaxSafetensorsHeaderBytes) + " bytes)");
  if (header_length > file_size - 8)
    throw Error("header length " + std::to_string(header_length) + " runs past the end of the " +
                std::to_string(file_size) + "-byte file");
  return header_length;
}

SafetensorsHeader parse_safetensors_header(Span<const uint8_t> json, uint64_t data_size) {
  SafetensorsHeader out;
  out.data_start = 8 + json.size();
  out.data_size = data_size;
  const Json header = parse_header_json(json.data(), json.data() + json.size());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw Error("__metadata__ must be an object of strings");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) throw Error("__metadata__ value of '" + key + "' must be a string, got " + value.dump());
        out.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    out.tensors.push_back(parse_entry(name, entry));
  }
  // The spans must tile the data section exactly: sorted, starting at 0, no overlaps or gaps.
  std::sort(out.tensors.begin(), out.tensors.end(), [](const HeaderEntry& a, const HeaderEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  const HeaderEntry* previous = nullptr;
  for (const HeaderEntry& t : out.tensors) {
    if (t.end > data_size)
      throw Error("tensor '" + t.name + "': data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                  "] run past the " + std::to_string(data_size) + "-byte data section");
    if (t.begin < expected)
      throw Error("tensor '" + t.name + "' overlaps tensor '" + previous->name + "' (bytes " + std::to_string(t.begin) +
                  " to " + std::to_string(expected) + ")");
    if (t.begin > expected)
      throw Error("tensor '" + t.name + "' starts at byte " + std::to_string(t.begin) + ", leaving a gap after " +
                  (previous ? "tensor '" + previous->name + "'" : std::string("the header")) + " (expected " +
                  std::to_string(expected) + ")");
    expected = t.end;
    previous = &t;
  }
  if (expected != data_size)
    throw Error(std::to_string(data_size - expected) + " bytes of trailing data follow the last tensor");
  return out;
}

SafetensorsFile SafetensorsFile::parse(std::vector<uint8_t> bytes) {
  SafetensorsFile f;
  f.bytes_ = std::move(bytes);
  const std::size_t size = f.bytes_.size();
  const uint64_t header_length = safetensors_header_length(f.bytes_, size);
  f.data_start_ = 8 + static_cast<std::size_t>(header_length);
  SafetensorsHeader header =
      parse_safetensors_header({f.bytes_.data() + 8, static_cast<std::size_t>(header_length)}, size - f.data_start_);
  f.metadata_ = std::move(header.metadata);
  for (HeaderEntry& t : header.tensors)  // within the in-memory file, so within size_t
    f.tensors_.push_back({std::move(t.name), t.dtype, std::move(t.shape), static_cast<std::size_t>(t.begin),
                          static_cast<std::size_t>(t.end)});
  return f;
}

bool SafetensorsFile::contains(const std::string& name) const {
  return std::any_of(tensors_.begin(), tensors_.end(), [&](const TensorInfo& t) { return t.name == name; });
}

const TensorInfo& SafetensorsFile::tensor(const std::string& name) const {
  for (const TensorInfo& t : tensors_)
    if (t.name == name) return t;
  throw Error("the file has no tensor named '" + name + "'");
}

Span<const uint8_t> SafetensorsFile::raw(const TensorInfo& info) const {
  return {bytes_.data() + data_start_ + info.begin, info.byte_size()};
}

std::vector<float> SafetensorsFile::to_float32(const TensorInfo& info) const {
  std::vector<float> out(info.element_count());
  convert_to_float32(info.name, info.dtype, raw(info), out);
  return out;
}

void convert_to_float32(const std::string& name, SafetensorsDtype dtype, Span<const uint8_t> bytes, Span<float> out) {
  const std::size_t n = out.size();
  if (bytes.size() != n * element_size(dtype))
    throw Error("tensor '" + name + "': " + std::to_string(bytes.size()) + " bytes of " + to_string(dtype) + " are not " +
                std::to_string(n) + " values");
  if (n == 0) return;
  const uint8_t* p = bytes.data();
  switch (dtype) {
    case SafetensorsDtype::F32:
      std::memcpy(out.data(), p, n * 4);
      break;
    case SafetensorsDtype::F16:
      for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(load<uint16_t>(p + 2 * i));
      break;
    case SafetensorsDtype::BF16:
      for (std::size_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(load<uint16_t>(p + 2 * i)) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      break;
    case SafetensorsDtype::F64:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<double>(p + 8 * i));
      break;
    case SafetensorsDtype::I32:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<int32_t>(p + 4 * i));
      break;
    case SafetensorsDtype::I8:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<int8_t>(p[i]));
      break;
    case SafetensorsDtype::U8:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
      break;
    default:
      throw Error("tensor '" + name + "' is " + to_string(dtype) + ": qlinear reads F32, F16, BF16, F64, I32, I8 and U8 tensors");
  }
}

std::vector<int32_t> SafetensorsFile::to_int32(const TensorInfo& info) const {
  if (info.dtype != SafetensorsDtype::I32)
    throw Error("tensor '" + info.name + "' is " + to_string(info.dtype) + ", expected I32");
  std::vector<int32_t> out(info.element_count());
  if (!out.empty()) std::memcpy(out.data(), raw(info).data(), out.size() * 4);
  return out;
}

std::vector<uint8_t> to_bytes(Span<const float> values) {
  std::vector<uint8_t> out(values.size() * 4);
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<uint8_t> to_bytes(Span<const int32_t> values) {
  std::vector<uint8_t> out(values.size() * 4);
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<uint8_t> safetensors_header(const std::vector<HeaderTensor>& tensors,
                                        const std::map<std::string, std::string>& metadata) {
  // nlohmann::ordered_json keeps the tensors in the order given, so the file reads in that order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const HeaderTensor& t : tensors) {
    if (t.name == "__metadata__") throw Error("'__metadata__' is reserved and cannot name a tensor");
    if (header.contains(t.name)) throw Error("two tensors are named '" + t.name + "'");
    header[t.name] = {{"dtype", to_string(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<uint8_t> out(8 + text.size());
  const uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  return out;
}

std::vector<uint8_t> write_safetensors(const std::vector<TensorToWrite>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  std::vector<HeaderTensor> layout;
  for (const TensorToWrite& t : tensors) {
    const std::size_t expected = checked_product(t.name, t.shape) * element_size(t.dtype);
    if (t.data.size() != expected)
      throw Error("tensor '" + t.name + "': shape " + to_string(t.shape) + " of " + to_string(t.dtype) + " needs " +
                  std::to_string(expected) + " bytes, got " + std::to_string(t.data.size()));
    layout.push_back({t.name, t.dtype, t.shape, expected});
  }
  std::vector<uint8_t> out = safetensors_header(layout, metadata);
  for (const TensorToWrite& t : tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  return out;
}

}  // namespace qlinear
