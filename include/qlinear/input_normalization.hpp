#pragma once
// The preprocessing a model was trained with, x' = (x − mean) / std per feature (torchvision's
// Normalize after ToTensor), as a checkpoint's __metadata__ records it. A model's accuracy means
// nothing without it: the same weights fed unnormalised pixels score far lower.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qlinear/span.hpp"

namespace qlinear {

struct InputNormalization {
  std::vector<float> mean;  // one value (every feature), one per channel of a planar [C, H, W] input, or one per feature
  std::vector<float> std;
  std::string key;          // the __metadata__ key it was read from ("" when set by hand)
};

// The key qlinear writes: {"mean": [...], "std": [...]}.
inline constexpr const char* kInputNormalizationKey = "qlinear.input_normalization";

// Read from, in order: qlinear's key; "mean" and "std" keys (a number, a JSON array or numbers
// separated by commas); a "normalization", "normalize", "transform" or "preprocessing" key whose
// text gives mean and std (JSON {"mean": ..., "std": ...} or torchvision's
// "Normalize(mean=(0.2860,), std=(0.3530,))"). None when no key says. Throws, naming the key, when
// one does but its numbers are unusable (lengths differ, a std not > 0, NaN).
std::optional<InputNormalization> find_input_normalization(const std::map<std::string, std::string>& metadata);

// Throws unless mean and std have the same length ≥ 1, every std is finite and > 0, and every mean
// finite.
void check_input_normalization(const InputNormalization& n);

// The text qlinear writes under kInputNormalizationKey.
std::string to_json(const InputNormalization& n);

// x = (x − mean[c]) / std[c] over a [rows, features] batch, c the feature's channel when the
// features are k planes (features / k each). Throws unless k divides features.
void normalize_inputs(const InputNormalization& n, Span<float> x, std::size_t features);

}  // namespace qlinear
