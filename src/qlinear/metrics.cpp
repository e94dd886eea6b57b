#include "qlinear/metrics.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "qlinear/error.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

ErrorMetrics compute_error_metrics(Span<const float> reference, Span<const float> approximation) {
  if (reference.size() != approximation.size())
    throw Error("cannot compare " + std::to_string(reference.size()) + " reference values with " +
                std::to_string(approximation.size()) + " approximate values");
  if (reference.empty()) throw Error("empty tensor: there is nothing to compare");
  require_finite(reference, "reference");
  require_finite(approximation, "approximation");

  double max_abs = 0.0, err2 = 0.0, ref2 = 0.0, approx2 = 0.0, dot = 0.0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double r = reference[i], a = approximation[i], e = r - a;
    max_abs = std::max(max_abs, std::fabs(e));
    err2 += e * e;
    ref2 += r * r;
    approx2 += a * a;
    dot += r * a;
  }
  constexpr double inf = std::numeric_limits<double>::infinity();
  ErrorMetrics m;
  m.max_abs_error = max_abs;
  m.mse = err2 / static_cast<double>(reference.size());
  if (err2 == 0.0) m.sqnr_db = inf;
  else if (ref2 == 0.0) m.sqnr_db = -inf;
  else m.sqnr_db = 10.0 * std::log10(ref2 / err2);
  if (ref2 == 0.0 && approx2 == 0.0) m.cosine_similarity = 1.0;
  else if (ref2 == 0.0 || approx2 == 0.0) m.cosine_similarity = 0.0;
  else m.cosine_similarity = dot / (std::sqrt(ref2) * std::sqrt(approx2));
  return m;
}

}  // namespace qlinear
