#pragma once
// The names users give the core's choices (dtypes, schemes, activations, forward modes, ...).
// Each enum's names are written once, in an EnumNames<E> specialisation right after the enum:
// the value, the name users type (in JavaScript, on the command line, in saved files), and one
// line saying what it means. Everything else reads them from there: to_string / parse_* below,
// the option table the bindings export (settings.hpp), and through it the JS package's checks,
// its TypeScript unions, the CLI's help and the demo page's menus.
#include <cstddef>
#include <string>
#include <type_traits>

#include "qlinear/error.hpp"

namespace qlinear {

template <typename E>
struct NamedValue {
  E value;
  const char* name;
  const char* description;
};

// Another spelling accepted when reading (older files, PyTorch's or bitsandbytes' word), never
// written and never offered as a choice.
template <typename E>
struct NameAlias {
  const char* name;
  E value;
};

// Specialised next to each enum:
//   template <> struct EnumNames<Activation> {
//     static constexpr const char* type = "Activation";  // its name in the TypeScript types
//     static constexpr const char* noun = "activation";  // in error messages
//     static constexpr NamedValue<Activation> values[] = {{Activation::identity, "identity", "..."}, ...};
//     static constexpr NameAlias<Activation> aliases[] = {{"none", Activation::identity}};  // optional
//   };
template <typename E>
struct EnumNames;

namespace detail {
template <typename Names, typename = void>
struct HasAliases : std::false_type {};
template <typename Names>
struct HasAliases<Names, std::void_t<decltype(Names::aliases)>> : std::true_type {};
}  // namespace detail

template <typename E>
std::string name_of(E value) {
  for (const auto& v : EnumNames<E>::values)
    if (v.value == value) return v.name;
  throw Error(std::string(EnumNames<E>::noun) + " " + std::to_string(static_cast<int>(value)) + " has no name");
}

// 'a', 'b' or 'c': the choices as an error message lists them.
template <typename E>
std::string quoted_names() {
  std::string out;
  const std::size_t n = std::size(EnumNames<E>::values);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += std::string("'") + EnumNames<E>::values[i].name + "'";
  }
  return out;
}

// Throws "unknown <noun> '<name>': expected 'a', 'b' or 'c'" for anything else.
template <typename E>
E parse_name(const std::string& name) {
  for (const auto& v : EnumNames<E>::values)
    if (name == v.name) return v.value;
  if constexpr (detail::HasAliases<EnumNames<E>>::value)
    for (const auto& a : EnumNames<E>::aliases)
      if (name == a.name) return a.value;
  throw Error(std::string("unknown ") + EnumNames<E>::noun + " '" + name + "': expected " + quoted_names<E>());
}

// The options of one options struct as users name them, specialised right after the struct:
//   template <> struct OptionFields<QuantOptions> {
//     static constexpr const char* group = "QParamsOptions";  // its name in the TypeScript types
//     template <typename Visit> static void visit(Visit&& field) {
//       field("perChannel", &QuantOptions::per_channel);
//       field("percentile", &CalibrationOptions::percentile, kPercentileRange);  // numbers: their range
//       field("qscheme", &CalibrationOptions::qscheme, {QScheme::per_tensor_affine, ...});  // a subset
//     }
//   };
// settings.hpp builds the option table from these (defaults from a default-constructed struct),
// and the bindings declare the same fields to Embind: the names are written here only.
template <typename Options>
struct OptionFields;

// The values a number setting accepts (always finite): [min, max], or (min, max].
struct NumberRange {
  double min;
  double max;
  bool min_exclusive = false;

  bool contains(double v) const { return (min_exclusive ? v > min : v >= min) && v <= max; }
  // "in (0, 1]", ">= 0": as error messages and help texts say it.
  std::string describe() const;
};

}  // namespace qlinear
