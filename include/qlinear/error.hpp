#pragma once
// The one exception type the core throws. Every message names the problem and the offending
// value, so a caller (C++, the JS wrapper, a CLI) can show it to a person unchanged.
#include <new>
#include <stdexcept>
#include <string>

namespace qlinear {

class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& message) : std::invalid_argument(message) {}
};

// Called in a catch block: rethrows the exception being handled as an Error that says what was
// being done, so that a standard-library exception (allocation, length, out of range, a JSON
// library's) never reaches a person as a bare word such as "vector". An Error passes unchanged:
// it already says what is wrong.
[[noreturn]] inline void rethrow_as_error(const std::string& doing) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(doing + ": out of memory");
  } catch (const std::length_error& e) {
    throw Error(doing + ": a size larger than this build can hold (" + e.what() + ")");
  } catch (const std::out_of_range& e) {
    throw Error(doing + ": an index out of range (" + e.what() + "); this is a bug in qlinear, please report it");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    // nlohmann::json's exceptions say "[json.exception.<kind>.<id>] ..."
    throw Error(doing + (what.rfind("[json.exception.", 0) == 0 ? ": JSON: " : ": ") + what);
  } catch (...) {
    throw Error(doing + ": an unknown exception");
  }
}

// fn(), with any exception it throws rethrown as by rethrow_as_error(doing).
template <typename Fn>
auto while_doing(const std::string& doing, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    rethrow_as_error(doing);
  }
}

}  // namespace qlinear
