// Which packed kernel runs in the wasm modules: the one selection table of the wasm target
// (kernels_wasm.hpp lists the kernel families). Compiled twice, for the SIMD128 modules and, with
// QLINEAR_WASM_RELAXED_SIMD, for the relaxed-SIMD ones (qlinear_kernels_wasm_simd128 /
// qlinear_kernels_wasm_relaxed in CMakeLists.txt: each wasm executable links one of the two).
//
//   W8A8, SIMD128 module:  1, 2 or 4 batch rows  w8a8_tiles_wasm_simd128        (tiles)
//                          other batch sizes     w8a8_i16_panel_wasm_simd128    (i16 panel)
//   W8A8, relaxed module:  batch 1               w8a8_gemv_wasm_relaxed
//                          7-bit activations     w8a8_7bit_tiles_wasm_relaxed
//                          otherwise             as the SIMD128 module
//   W8A32, both:           1 to 3 batch rows     w8a32_split_i16_wasm_simd128   (through the W8A8 tiles)
//                          (K over 65536)        w8a32_tiles_wasm_simd128
//                          4 and more            w8a32_f32_panel_wasm_simd128
#include "qlinear/kernels/kernels_wasm.hpp"

namespace qlinear::kernels {

namespace {

// The kernels are called through pointers, so that binaryen does not inline them into
// linear_w8a8_packed: one function holding the batch-1 loops and the panel kernel grew from about
// 16 to 22 KB of wasm, towards the sizes where V8 switches to its mid-tier register allocator
// (w8a8_i16_panel_wasm_simd128.cpp).
using W8A8Kernel = void (*)(const QuantizedRowsView&, const PackedWeights&, const float*, float*);
W8A8Kernel volatile const w8a8_panel_fn = &w8a8_i16_panel_wasm_simd128;
#ifdef QLINEAR_WASM_RELAXED_SIMD
W8A8Kernel volatile const w8a8_gemv_relaxed_fn = &w8a8_gemv_wasm_relaxed;
#endif

}  // namespace

void linear_w8a8_packed(const QuantizedRowsView& x, const PackedWeights& w, const float* bias, float* y) {
#ifdef QLINEAR_WASM_RELAXED_SIMD
  if (x.batch == 1) return w8a8_gemv_relaxed_fn(x, w, bias, y);
  if (activations_fit_7_bits(x)) return w8a8_7bit_tiles_wasm_relaxed(x, w, bias, y);
#endif
  // Batches of one group of the driver's (1, 2 or 4 rows) already read each weight once, and the
  // tiles that widen as they go do less work per weight than a panel's stores and reloads
  // (measured at W2a: batch 2 26.1 -> 24.1 GMAC/s, batch 4 31.9 -> 30.2 with the panel; batch 3
  // 25.4 -> 27.5, 8 33.0 -> 33.5, 16 33.2 -> 34.8).
  if (detail::group_size(x.batch) != x.batch) return w8a8_panel_fn(x, w, bias, y);
  w8a8_tiles_wasm_simd128(x, w, bias, y);
}

void linear_w8a32_packed(const float* x, std::size_t x_stride, std::size_t batch, const PackedWeights& w,
                         const float* bias, float* y) {
  // From 4 rows on, converting each weight once into a panel pays for its stores and reloads;
  // below, the activations are converted instead (two int16 parts a row) and the weights read
  // by the W8A8 tiles as they are. Past kW8A32SplitMaxK the parts would be too coarse: the tiles
  // that convert each weight on the fly.
  if (batch >= 4) return w8a32_f32_panel_wasm_simd128(x, x_stride, batch, w, bias, y);
  if (w.in_features <= kW8A32SplitMaxK) return w8a32_split_i16_wasm_simd128(x, x_stride, batch, w, bias, y);
  w8a32_tiles_wasm_simd128(x, x_stride, batch, w, bias, y);
}

#ifdef QLINEAR_WASM_RELAXED_SIMD
const char* packed_kernels_isa() { return "wasm-relaxed-simd"; }
#else
const char* packed_kernels_isa() { return "wasm-simd128"; }
#endif

}  // namespace qlinear::kernels
