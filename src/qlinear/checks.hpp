#pragma once
// Input checks shared by the core's modules.
#include "qlinear/span.hpp"

namespace qlinear {

// Throws a clear error naming the first NaN or infinity in `values` and its index (qlinear's
// policy: it refuses non-finite numbers rather than produce NaN/inf results).
void require_finite(Span<const float> values, const char* what);

// Whether every value is finite: one pass with no early exit, which the compiler vectorizes
// (every forward checks its input and its output). require_finite says where, when not.
bool all_finite(Span<const float> values);

}  // namespace qlinear
