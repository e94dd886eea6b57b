#pragma once
// The production activation quantizers of the W8A8 forward modes: float rows in, uint8 rows (padded
// to the packed kernels' stride) with a scale and zero point per row out. Rows are independent, so
// a large batch is cut into blocks of rows for the thread pool (partition.hpp); every row is
// quantized by the same code whatever the thread count. (reference.hpp's linear_llm_int8, the
// oracle of the llm-int8 mode, builds on quantize_rows_llm_int8.)
#include <cstddef>
#include <cstdint>

namespace qlinear::kernels {

// Quantizes each row of x to quint8 with PyTorch's affine MinMaxObserver rule over that row.
// q rows are q_stride bytes apart.
void quantize_rows_u8(const float* x, std::size_t batch, std::size_t in_features, uint8_t* q, std::size_t q_stride,
                      float* row_scale, int32_t* row_zero_point);

// The quint8 scale (double, as PyTorch keeps it) and zero point ChooseQuantizationParams picks for
// [min, max] over [0, 255], or [0, 127] with reduce_range (PyTorch 1.13 QuantUtils.h).
struct DynamicActivationQParams {
  double scale;
  int32_t zero_point;
};
DynamicActivationQParams choose_pytorch_dynamic_qparams(float min, float max, bool reduce_range);

// Quantizes all of x with ONE scale and zero point, exactly as PyTorch 1.13's dynamic Linear
// does (onednn engine): quant_utils::ChooseQuantizationParams over [0, 127] (reduce_range) in
// double precision with its 6.1e-5 scale floor, then q = clamp(rint(x·(1/scale) + zp), 0, 255)
// (the zero point is added before rounding there). Writes the same scale/zero point to every row.
void quantize_tensor_u8_like_pytorch_dynamic(const float* x, std::size_t batch, std::size_t in_features,
                                             uint8_t* q, std::size_t q_stride, float* row_scale,
                                             int32_t* row_zero_point);

// Static W8A8: every row quantized with the same calibrated quint8 scale and zero point
// (PyTorch's quantize_per_tensor: clamp(zp + round_half_even(x / scale), qmin, qmax), where
// PyTorch clamps to the dtype's range, [0, 255], whatever range the observer used).
void quantize_rows_static_u8(const float* x, std::size_t batch, std::size_t in_features, float scale,
                             int32_t zero_point, int32_t qmin, int32_t qmax, uint8_t* q, std::size_t q_stride,
                             float* row_scale, int32_t* row_zero_point);

// LLM.int8()'s activation side (bitsandbytes' int8_vectorwise_quant): with threshold > 0, the
// columns holding any |x| >= threshold are outlier columns (their indices, ascending, go to
// `outlier_columns`, which must have room for in_features). Outlier values are left out of each
// row's absmax; the row is quantized symmetrically, q = round_half_even(x · (127 / absmax)) in
// [-127, 127], and outlier columns get q = 0 (their contribution comes from the fp32 path).
// q is stored shifted by +128 as uint8 with zero point 128, so the W8A8 kernels take it as is;
// row_scale = absmax / 127 (0 for an all-zero row). threshold <= 0 turns detection off.
// Returns the number of outlier columns.
std::size_t quantize_rows_llm_int8(const float* x, std::size_t batch, std::size_t in_features, float threshold,
                                   uint8_t* q, std::size_t q_stride, float* row_scale, int32_t* row_zero_point,
                                   std::size_t* outlier_columns);

}  // namespace qlinear::kernels
