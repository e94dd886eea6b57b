#pragma once
// Per-thread scratch buffers for the temporaries of a forward pass (quantized activations, their
// scales, the kernels' tile layouts). A small model's forward is a few microseconds; a malloc and
// free per temporary per layer was a measurable part of it (W4: 35 of them per call). Each call
// site owns a slot; a slot's buffer only grows, so it is as large as the largest batch seen.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace qlinear::kernels {

enum class ScratchSlot {
  activations_q,
  activations_scale,
  activations_zero_point,
  tile_activations,
  tile_sums,
  tile_panel,       // batched W8A8: wasm's widened weight panel; AMX's copy of the last rows
  tile_panel_sums,  // wasm's per-panel dot products; AMX's per-row weight sums
  model_activations_a,  // Model::forward_into: the layers' outputs in between, in turn
  model_activations_b,
  outlier_columns,  // QuantLinear's LLM.int8 outlier columns
  padded_input,     // QuantLinear's weight-only input, rows padded to the packed stride
  count
};

// The slot's buffer with `size` elements (contents unspecified: callers write before reading,
// or use zeroed_scratch).
template <typename T>
T* scratch(ScratchSlot slot, std::size_t size) {
  thread_local std::vector<T> buffers[static_cast<std::size_t>(ScratchSlot::count)];
  std::vector<T>& buffer = buffers[static_cast<std::size_t>(slot)];
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

template <typename T>
T* zeroed_scratch(ScratchSlot slot, std::size_t size) {
  T* p = scratch<T>(slot, size);
  std::fill(p, p + size, T{});
  return p;
}

}  // namespace qlinear::kernels
