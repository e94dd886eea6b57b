#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "qlinear/qlinear.hpp"

using namespace qlinear;

TEST_CASE("error metrics on a hand-computed example", "[metrics]") {
  const ErrorMetrics m = compute_error_metrics(std::vector<float>{3, 4}, std::vector<float>{3, 3});
  CHECK(m.max_abs_error == 1.0);
  CHECK(m.mse == 0.5);
  CHECK(m.sqnr_db == Approx(10.0 * std::log10(25.0)));
  CHECK(m.cosine_similarity == Approx(21.0 / (5.0 * std::sqrt(18.0))));
}

TEST_CASE("error metrics at the edges", "[metrics]") {
  const ErrorMetrics exact = compute_error_metrics(std::vector<float>{1, -2}, std::vector<float>{1, -2});
  CHECK(exact.mse == 0.0);
  CHECK(std::isinf(exact.sqnr_db));
  CHECK(exact.sqnr_db > 0);
  CHECK(exact.cosine_similarity == Approx(1.0));
  const ErrorMetrics zeros = compute_error_metrics(std::vector<float>{0, 0}, std::vector<float>{0, 0});
  CHECK(zeros.cosine_similarity == 1.0);
  const ErrorMetrics from_zero = compute_error_metrics(std::vector<float>{0, 0}, std::vector<float>{1, 0});
  CHECK(from_zero.sqnr_db < 0);
  CHECK(std::isinf(from_zero.sqnr_db));
  CHECK(from_zero.cosine_similarity == 0.0);
}

TEST_CASE("error metrics refuse mismatched, empty or non-finite input", "[metrics]") {
  CHECK_THROWS_WITH(compute_error_metrics(std::vector<float>{1}, std::vector<float>{1, 2}),
                    Catch::Contains("1 reference values with 2 approximate values"));
  CHECK_THROWS_WITH(compute_error_metrics(std::vector<float>{}, std::vector<float>{}), Catch::Contains("empty"));
  CHECK_THROWS_WITH(compute_error_metrics(std::vector<float>{1}, std::vector<float>{NAN}), Catch::Contains("NaN"));
}
