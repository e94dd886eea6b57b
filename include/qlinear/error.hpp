#pragma once
// The one exception type the core throws. Every message names the problem and the offending
// value, so a caller (C++, the JS wrapper, a CLI) can show it to a person unchanged.
#include <stdexcept>
#include <string>

namespace qlinear {

class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& message) : std::invalid_argument(message) {}
};

}  // namespace qlinear
