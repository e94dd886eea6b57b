#pragma once
// The option table: every option a user sets by name, with its type, the values it takes and its
// default, for every options struct of the core, as data. It is made from the OptionFields and
// EnumNames written next to each struct and enum (names.hpp), with each default read from a
// default-constructed struct, so a name, a choice or a default is written once. The bindings
// export it; the JS package checks options and fills defaults from it, the build writes the
// TypeScript unions from it, and the CLI's help and the demo's menus list its choices.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "qlinear/names.hpp"

namespace qlinear {

struct OptionInfo {
  std::string name;                  // as JavaScript spells it: "perChannel"
  std::string type;                  // "boolean", "integer", "number", or an enum's type: "ForwardMode"
  std::vector<std::string> choices;  // enums: the names this option takes (all of the enum's, or a subset)
  // The default; none when another option decides it (`note` says how).
  std::variant<std::monostate, bool, double, std::string> default_value;
  std::optional<NumberRange> range;  // numbers: the values accepted
  std::string note;
};

struct OptionGroup {
  std::string name;  // the options object's name in the TypeScript types: "QuantizeOptions"
  std::vector<OptionInfo> options;
};

struct EnumInfo {
  std::string type;  // "ForwardMode"
  std::vector<std::string> names;
  std::vector<std::string> descriptions;
};

const std::vector<OptionGroup>& option_groups();
// Throws for a name that is not in option_groups().
const OptionGroup& option_group(const std::string& name);
const std::vector<EnumInfo>& enum_infos();

}  // namespace qlinear
