// Arbitrary index.json text and shard bytes as a streamed checkpoint, with reads that fail at a
// chosen call: opening, planning and quantizing must either work or throw qlinear::Error; anything
// else (a crash, a sanitizer report, another exception) is a bug. And what is written must add up
// to the size quantize_checkpoint reports.
//
// Input: byte 0 = flags (bit 0 sharded; bits 1-2 the format; bits 3-7 the read call that fails,
// 0 for none), bytes 1-3 and 4-6 = the lengths (little-endian) of the index text and the first
// file; then the index, the first file and, for a sharded input, the second file.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "qlinear/qlinear.hpp"

namespace {

qlinear::CheckpointFile file_of(std::string name, std::vector<uint8_t> bytes, std::shared_ptr<int> calls, int fail_at) {
  auto data = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  const uint64_t size = data->size();
  return {std::move(name), size, [data, calls, fail_at](uint64_t offset, qlinear::Span<uint8_t> out) {
            if (++*calls == fail_at) throw qlinear::Error("the read failed");
            if (offset > data->size() || out.size() > data->size() - offset) std::abort();  // the source asked past the end
            if (!out.empty()) std::memcpy(out.data(), data->data() + offset, out.size());
          }};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qlinear;
  if (size < 7) return 0;
  const uint8_t flags = data[0];
  const std::size_t index_length = data[1] | data[2] << 8 | data[3] << 16;
  const std::size_t first_length = data[4] | data[5] << 8 | data[6] << 16;
  const uint8_t* p = data + 7;
  const uint8_t* end = data + size;
  const auto take = [&](std::size_t n) {
    n = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
    std::vector<uint8_t> out(p, p + n);
    p += n;
    return out;
  };
  const std::vector<uint8_t> index = take(index_length);
  std::vector<uint8_t> first = take(first_length);
  std::vector<uint8_t> second = take(static_cast<std::size_t>(end - p));
  auto calls = std::make_shared<int>(0);
  const int fail_at = flags >> 3;
  try {
    const CheckpointSource source =
        flags & 1 ? CheckpointSource::open_sharded(
                        "model.safetensors.index.json", std::string(index.begin(), index.end()),
                        {file_of("model-00001-of-00002.safetensors", std::move(first), calls, fail_at),
                         file_of("model-00002-of-00002.safetensors", std::move(second), calls, fail_at)})
                  : CheckpointSource::open(file_of("model.safetensors", std::move(first), calls, fail_at));
    const CheckpointPlan plan = plan_checkpoint(source);
    CheckpointWriteOptions options;
    options.format = static_cast<CheckpointFormat>(((flags >> 1) & 3) % 3);
    uint64_t written = 0;
    const uint64_t total = quantize_checkpoint(source, plan, options, [&](Span<const uint8_t> b) { written += b.size(); });
    if (written != total) std::abort();
    (void)quantization_config(options.format, plan);
  } catch (const Error&) {
  }
  return 0;
}
