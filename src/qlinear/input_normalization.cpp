#include "qlinear/input_normalization.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

// The numbers in text[from, to): "0.2860", "(0.485, 0.456, 0.406)", "[0.1307]".
std::vector<float> numbers_in(const std::string& text, std::size_t from, std::size_t to) {
  std::vector<float> out;
  std::size_t i = from;
  while (i < to) {
    const char c = text[i];
    const bool starts = std::isdigit(static_cast<unsigned char>(c)) || ((c == '-' || c == '+' || c == '.') && i + 1 < to &&
                        (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.'));
    if (!starts) {
      ++i;
      continue;
    }
    char* end = nullptr;
    const std::string rest = text.substr(i, to - i);
    const float v = std::strtof(rest.c_str(), &end);
    if (end == rest.c_str()) {
      ++i;
      continue;
    }
    out.push_back(v);
    i += static_cast<std::size_t>(end - rest.c_str());
  }
  return out;
}

std::vector<float> numbers_in(const std::string& text) { return numbers_in(text, 0, text.size()); }

// "...mean=(0.286,), std=(0.353,)..." or {"mean": ..., "std": ...}: the numbers after "mean" up to
// "std", and after "std" up to the end.
std::optional<InputNormalization> from_text(const std::string& key, const std::string& text) {
  const auto mean_at = text.find("mean"), std_at = text.find("std");
  if (mean_at == std::string::npos || std_at == std::string::npos) return std::nullopt;
  InputNormalization n;
  n.key = key;
  if (mean_at < std_at) {
    n.mean = numbers_in(text, mean_at + 4, std_at);
    n.std = numbers_in(text, std_at + 3, text.size());
  } else {
    n.std = numbers_in(text, std_at + 3, mean_at);
    n.mean = numbers_in(text, mean_at + 4, text.size());
  }
  return n;
}

InputNormalization checked(InputNormalization n) {
  try {
    check_input_normalization(n);
  } catch (const Error& e) {
    throw Error("__metadata__ '" + n.key + "': " + e.what());
  }
  return n;
}

}  // namespace

void check_input_normalization(const InputNormalization& n) {
  if (n.mean.empty() || n.mean.size() != n.std.size())
    throw Error("an input normalization needs as many means as stds (at least one), got " + std::to_string(n.mean.size()) +
                " and " + std::to_string(n.std.size()));
  for (std::size_t i = 0; i < n.mean.size(); ++i) {
    if (!std::isfinite(n.mean[i])) throw Error("mean[" + std::to_string(i) + "] is not a finite number");
    if (!std::isfinite(n.std[i]) || !(n.std[i] > 0.0f))
      throw Error("std[" + std::to_string(i) + "] is " + std::to_string(n.std[i]) + "; a std must be a number > 0");
  }
}

std::optional<InputNormalization> find_input_normalization(const std::map<std::string, std::string>& metadata) {
  const auto at = [&](const char* key) -> const std::string* {
    const auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  };
  if (const std::string* text = at(kInputNormalizationKey)) {
    const auto n = from_text(kInputNormalizationKey, *text);
    if (!n) throw Error(std::string("__metadata__ '") + kInputNormalizationKey + "' must be {\"mean\": [...], \"std\": [...]}, got " + *text);
    return checked(*n);
  }
  const std::string* mean = at("mean");
  const std::string* std_dev = at("std");
  if (mean && std_dev) return checked({numbers_in(*mean), numbers_in(*std_dev), "mean"});
  for (const char* key : {"normalization", "normalize", "transform", "preprocessing"})
    if (const std::string* text = at(key))
      if (auto n = from_text(key, *text)) return checked(*n);
  return std::nullopt;
}

std::string to_json(const InputNormalization& n) {
  return nlohmann::json{{"mean", n.mean}, {"std", n.std}}.dump();
}

void normalize_inputs(const InputNormalization& n, Span<float> x, std::size_t features) {
  check_input_normalization(n);
  if (features == 0 || x.size() % features != 0)
    throw Error("normalize_inputs: " + std::to_string(x.size()) + " values are not rows of " + std::to_string(features) + " features");
  const std::size_t k = n.mean.size();
  if (k != 1 && features % k != 0)
    throw Error("an input normalization of " + std::to_string(k) + " values does not divide " + std::to_string(features) + " features");
  const std::size_t plane = features / k;  // a [channels, H, W] image: PyTorch's planar layout
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i % features) / plane;
    x[i] = (x[i] - n.mean[c]) / n.std[c];
  }
}

}  // namespace qlinear
