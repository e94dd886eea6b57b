#include "qlinear/checks.hpp"

#include <cmath>
#include <string>

#include "qlinear/error.hpp"

namespace qlinear {

void require_finite(Span<const float> values, const char* what) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      const char* kind = std::isnan(values[i]) ? "NaN" : (values[i] > 0 ? "+Inf" : "-Inf");
      throw Error(std::string(what) + " contains " + kind + " at index " + std::to_string(i) +
                  ": qlinear only works with finite numbers");
    }
  }
}

}  // namespace qlinear
