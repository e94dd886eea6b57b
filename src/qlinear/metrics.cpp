#include "qlinear/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "qlinear/error.hpp"
#include "qlinear/checks.hpp"

namespace qlinear {

ErrorMetrics compute_error_metrics(Span<const float> reference, Span<const float> approximation) {
  ErrorAccumulator sums;
  sums.add(reference, approximation);
  return sums.result();
}

void ErrorAccumulator::add(Span<const float> reference, Span<const float> approximation) {
  if (reference.size() != approximation.size())
    throw Error("cannot compare " + std::to_string(reference.size()) + " reference values with " +
                std::to_string(approximation.size()) + " approximate values");
  require_finite(reference, "reference");
  require_finite(approximation, "approximation");
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double r = reference[i], a = approximation[i], e = r - a;
    max_abs_ = std::max(max_abs_, std::fabs(e));
    err2_ += e * e;
    ref2_ += r * r;
    approx2_ += a * a;
    dot_ += r * a;
  }
  count_ += reference.size();
}

void ErrorAccumulator::merge(const ErrorAccumulator& other) {
  max_abs_ = std::max(max_abs_, other.max_abs_);
  err2_ += other.err2_;
  ref2_ += other.ref2_;
  approx2_ += other.approx2_;
  dot_ += other.dot_;
  count_ += other.count_;
}

ErrorMetrics ErrorAccumulator::result() const {
  if (count_ == 0) throw Error("empty tensor: there is nothing to compare");
  constexpr double inf = std::numeric_limits<double>::infinity();
  ErrorMetrics m;
  m.max_abs_error = max_abs_;
  m.mse = err2_ / static_cast<double>(count_);
  if (err2_ == 0.0) m.sqnr_db = inf;
  else if (ref2_ == 0.0) m.sqnr_db = -inf;
  else m.sqnr_db = 10.0 * std::log10(ref2_ / err2_);
  if (ref2_ == 0.0 && approx2_ == 0.0) m.cosine_similarity = 1.0;
  else if (ref2_ == 0.0 || approx2_ == 0.0) m.cosine_similarity = 0.0;
  else m.cosine_similarity = dot_ / (std::sqrt(ref2_) * std::sqrt(approx2_));
  return m;
}

}  // namespace qlinear
