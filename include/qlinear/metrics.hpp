#pragma once
// How far an approximation (dequantized or fake-quantized values, an int8 layer's output) is
// from its fp32 reference. Sums are in double so long tensors do not lose the small errors.
#include "qlinear/span.hpp"

namespace qlinear {

struct ErrorMetrics {
  double max_abs_error = 0.0;
  double mse = 0.0;
  // 10·log10(Σ ref² / Σ (ref − approx)²); +inf when the approximation is exact, −inf when the
  // reference is all zeros but the approximation is not.
  double sqnr_db = 0.0;
  // ⟨ref, approx⟩ / (‖ref‖‖approx‖); 1 when both are all zeros, 0 when only one is.
  double cosine_similarity = 0.0;
};

// Throws if the lengths differ, the input is empty, or either side holds NaN/Inf.
ErrorMetrics compute_error_metrics(Span<const float> reference, Span<const float> approximation);

// The same sums, a piece at a time (a weight row by row, without a second copy of it).
class ErrorAccumulator {
 public:
  // Throws on pieces of different lengths or non-finite values.
  void add(Span<const float> reference, Span<const float> approximation);
  // Adds another accumulator's sums (pieces summed apart, e.g. rows on several threads, then
  // merged in a fixed order: the same result whatever the thread count).
  void merge(const ErrorAccumulator& other);
  ErrorMetrics result() const;  // throws before any value was added

 private:
  double max_abs_ = 0.0, err2_ = 0.0, ref2_ = 0.0, approx2_ = 0.0, dot_ = 0.0;
  std::size_t count_ = 0;
};

}  // namespace qlinear
