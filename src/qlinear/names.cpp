#include "qlinear/names.hpp"

#include <sstream>

namespace qlinear {

std::string NumberRange::describe() const {
  auto number = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  if (max >= 3.0e38) return std::string(min_exclusive ? "> " : ">= ") + number(min);
  return std::string(min_exclusive ? "in (" : "in [") + number(min) + ", " + number(max) + "]";
}

}  // namespace qlinear
