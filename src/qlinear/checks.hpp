#pragma once
// Input checks shared by the core's modules.
#include <cstddef>
#include <cstdint>

#include "qlinear/span.hpp"

namespace qlinear {

// Throws a clear error naming the first NaN or infinity in `values` and its index (qlinear's
// policy: it refuses non-finite numbers rather than produce NaN/inf results).
void require_finite(Span<const float> values, const char* what);

// Whether every value is finite: one pass with no early exit, which the compiler vectorizes
// (every forward checks its input and its output). require_finite says where, when not.
bool all_finite(Span<const float> values);

// a × b and a + b, or SIZE_MAX when the true value does not fit size_t (32 bits in wasm): for
// sizes that are reported before anything is allocated, where "more than there is" is the answer.
inline std::size_t saturating_mul(std::size_t a, std::size_t b) { return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b; }
inline std::size_t saturating_add(std::size_t a, std::size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

// Throws unless batch > 0 and x holds exactly batch × in_features finite values.
void check_forward_input(Span<const float> x, std::ptrdiff_t batch, std::size_t in_features, const char* layer_kind);
// Throws unless y holds exactly batch × out_features values (batch already checked).
void check_forward_output(Span<float> y, std::ptrdiff_t batch, std::size_t out_features, const char* layer_kind);

}  // namespace qlinear
