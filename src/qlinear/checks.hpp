#pragma once
// Input checks shared by the core's modules.
#include <cstddef>

#include "qlinear/span.hpp"

namespace qlinear {

// Throws a clear error naming the first NaN or infinity in `values` and its index (qlinear's
// policy: it refuses non-finite numbers rather than produce NaN/inf results).
void require_finite(Span<const float> values, const char* what);

// Whether every value is finite: one pass with no early exit, which the compiler vectorizes
// (every forward checks its input and its output). require_finite says where, when not.
bool all_finite(Span<const float> values);

// Throws unless batch > 0 and x holds exactly batch × in_features finite values.
void check_forward_input(Span<const float> x, std::ptrdiff_t batch, std::size_t in_features, const char* layer_kind);
// Throws unless y holds exactly batch × out_features values (batch already checked).
void check_forward_output(Span<float> y, std::ptrdiff_t batch, std::size_t out_features, const char* layer_kind);

}  // namespace qlinear
