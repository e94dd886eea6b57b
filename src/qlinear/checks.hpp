#pragma once
// Input checks shared by the core's modules.
#include "qlinear/span.hpp"

namespace qlinear {

// Throws a clear error naming the first NaN or infinity in `values` and its index (qlinear's
// policy: it refuses non-finite numbers rather than produce NaN/inf results).
void require_finite(Span<const float> values, const char* what);

}  // namespace qlinear
