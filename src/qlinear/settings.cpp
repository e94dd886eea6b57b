#include "qlinear/settings.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "qlinear/calibration.hpp"
#include "qlinear/checkpoint_writer.hpp"
#include "qlinear/model_io.hpp"
#include "qlinear/observer.hpp"
#include "qlinear/qparams.hpp"
#include "qlinear/quant_linear.hpp"

namespace qlinear {

namespace {

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// 0.01f as 0.01, not 0.009999999776482582: the decimal a user would write, as long as it reads
// back as the same float.
template <typename T>
double shortest_decimal(T value) {
  for (int digits = 6; digits < 17; ++digits) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(value));
    const double d = std::strtod(text, nullptr);
    if (static_cast<T>(d) == value) return d;
  }
  return static_cast<double>(value);
}

template <typename E>
std::vector<std::string> names_of(const std::vector<E>& only) {
  std::vector<std::string> out;
  for (const auto& v : EnumNames<E>::values)
    if (only.empty() || std::find(only.begin(), only.end(), v.value) != only.end()) out.push_back(v.name);
  return out;
}

// The visitor OptionFields<Options>::visit calls once per field: one OptionInfo each, its
// default read from a default-constructed Options.
template <typename Options>
struct Describe {
  std::vector<OptionInfo>& out;
  Options defaults{};

  template <typename T>
  void operator()(const char* name, T Options::*member) {
    describe(name, defaults.*member, std::nullopt, {});
  }
  template <typename T>
  void operator()(const char* name, T Options::*member, NumberRange range) {
    describe(name, defaults.*member, range, {});
  }
  template <typename T, std::size_t N>
  void operator()(const char* name, T Options::*member, const T (&only)[N]) {
    describe(name, defaults.*member, std::nullopt, std::vector<T>(only, only + N));
  }

  template <typename T>
  void describe(const char* name, const T& value, std::optional<NumberRange> range, std::vector<T> only) {
    OptionInfo info;
    info.name = name;
    info.range = range;
    if constexpr (std::is_same_v<T, bool>) {
      info.type = "boolean";
      info.default_value = value;
    } else if constexpr (std::is_integral_v<T>) {
      info.type = "integer";
      info.default_value = static_cast<double>(value);
    } else if constexpr (std::is_floating_point_v<T>) {
      info.type = "number";
      info.default_value = shortest_decimal(value);
    } else if constexpr (IsOptional<T>::value) {
      using E = typename T::value_type;
      info.type = EnumNames<E>::type;
      info.choices = names_of<E>({});
      if (value) info.default_value = name_of(*value);
      if constexpr (std::is_same_v<E, RangeVariant>)
        info.note = "unset: " + name_of(default_weight_range(ForwardMode::llm_int8)) + " for llm-int8, " +
                    name_of(default_weight_range(ForwardMode::weight_only)) + " otherwise";
    } else {
      info.type = EnumNames<T>::type;
      info.choices = names_of<T>(only);
      info.default_value = name_of(value);
    }
    out.push_back(std::move(info));
  }
};

template <typename Options>
OptionGroup group() {
  OptionGroup g{OptionFields<Options>::group, {}};
  OptionFields<Options>::visit(Describe<Options>{g.options});
  return g;
}

template <typename E>
EnumInfo enum_info() {
  EnumInfo info{EnumNames<E>::type, {}, {}};
  for (const auto& v : EnumNames<E>::values) {
    info.names.push_back(v.name);
    info.descriptions.push_back(v.description);
  }
  return info;
}

}  // namespace

const std::vector<OptionGroup>& option_groups() {
  static const std::vector<OptionGroup> groups = [] {
    OptionGroup convert{"ConvertOptions", {}};
    OptionFields<QuantLinearOptions>::visit_weights(Describe<QuantLinearOptions>{convert.options});
    return std::vector<OptionGroup>{
        group<QuantOptions>(),
        group<MinMaxObserver::Options>(),
        group<PerChannelMinMaxObserver::Options>(),
        group<HistogramObserver::Options>(),
        group<QuantLinearOptions>(),
        convert,
        group<CalibrationOptions>(),
        group<LoadOptions>(),
        group<CheckpointWriteOptions>(),
    };
  }();
  return groups;
}

const OptionGroup& option_group(const std::string& name) {
  for (const OptionGroup& g : option_groups())
    if (g.name == name) return g;
  throw Error("no option group named '" + name + "'");
}

const std::vector<EnumInfo>& enum_infos() {
  static const std::vector<EnumInfo> infos = {
      enum_info<QuantDtype>(),       enum_info<QScheme>(),          enum_info<RangeVariant>(),
      enum_info<Activation>(),       enum_info<ForwardMode>(),      enum_info<ActivationScheme>(),
      enum_info<ActivationObserverKind>(), enum_info<QConfigBackend>(), enum_info<CheckpointFormat>(), enum_info<WeightLayout>(),
  };
  return infos;
}

}  // namespace qlinear
