// The option table and the names it is made from (names.hpp, settings.hpp): every name reads
// back as its value, every default is the options struct's own, and what the table says about
// llm-int8's range is what a layer does.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "qlinear/qlinear.hpp"

using namespace qlinear;
using Catch::Matchers::Contains;

namespace {

template <typename E>
void check_names_round_trip() {
  std::vector<std::string> seen;
  for (const auto& v : EnumNames<E>::values) {
    CHECK(name_of(v.value) == v.name);
    CHECK(parse_name<E>(v.name) == v.value);
    CHECK(std::string(v.description).size() > 5);
    CHECK(std::find(seen.begin(), seen.end(), v.name) == seen.end());
    seen.push_back(v.name);
  }
  // An unknown name is refused with every choice listed.
  try {
    parse_name<E>("no-such-name");
    FAIL("parsed an unknown name");
  } catch (const Error& e) {
    for (const std::string& name : seen) CHECK_THAT(e.what(), Contains("'" + name + "'"));
    CHECK_THAT(e.what(), Contains(std::string("unknown ") + EnumNames<E>::noun + " 'no-such-name'"));
  }
}

const OptionInfo& option(const std::string& group, const std::string& name) {
  for (const OptionInfo& o : option_group(group).options)
    if (o.name == name) return o;
  FAIL("no option " + group + "." + name);
  throw Error("unreachable");
}

}  // namespace

TEST_CASE("every enum's names read back as its values, and an unknown name lists the choices", "[settings]") {
  check_names_round_trip<QuantDtype>();
  check_names_round_trip<QScheme>();
  check_names_round_trip<RangeVariant>();
  check_names_round_trip<Activation>();
  check_names_round_trip<ForwardMode>();
  check_names_round_trip<ActivationScheme>();
  check_names_round_trip<ActivationObserverKind>();
  // Aliases are read, never written.
  CHECK(parse_activation("none") == Activation::identity);
  CHECK(parse_forward_mode("w8a8") == ForwardMode::dynamic);
  CHECK(parse_dtype("uint8") == QuantDtype::quint8);
  CHECK(to_string(Activation::identity) == "identity");
}

TEST_CASE("the option table's defaults are the options structs' own", "[settings]") {
  const QuantLinearOptions q;
  CHECK(std::get<bool>(option("QuantizeOptions", "symmetric").default_value) == q.symmetric);
  CHECK(std::get<bool>(option("QuantizeOptions", "perChannel").default_value) == q.per_channel);
  CHECK(std::get<std::string>(option("QuantizeOptions", "mode").default_value) == to_string(q.mode));
  CHECK(std::get<std::string>(option("QuantizeOptions", "activations").default_value) == to_string(q.activations));
  CHECK(std::get<double>(option("QuantizeOptions", "outlierThreshold").default_value) == q.outlier_threshold);
  CHECK(option("QuantizeOptions", "outlierThreshold").range->contains(0.0));
  CHECK_FALSE(option("QuantizeOptions", "outlierThreshold").range->contains(-0.5));
  // No fixed default: the mode decides, and the table says how.
  CHECK(std::holds_alternative<std::monostate>(option("QuantizeOptions", "range").default_value));
  CHECK_THAT(option("QuantizeOptions", "range").note, Contains("restricted for llm-int8"));

  const MinMaxObserver::Options m;
  CHECK(std::get<std::string>(option("MinMaxObserverOptions", "dtype").default_value) == to_string(m.dtype));
  CHECK(std::get<std::string>(option("MinMaxObserverOptions", "qscheme").default_value) == to_string(m.qscheme));
  CHECK(std::get<double>(option("PerChannelMinMaxObserverOptions", "chAxis").default_value) == 0.0);
  CHECK(option("PerChannelMinMaxObserverOptions", "chAxis").type == "integer");

  // A float default is shown as the decimal a user would write, and reads back as the same float.
  const CalibrationOptions c;
  const double averaging = std::get<double>(option("PrepareOptions", "averagingConstant").default_value);
  CHECK(averaging == 0.01);
  CHECK(static_cast<float>(averaging) == c.averaging_constant);
  CHECK(std::get<double>(option("PrepareOptions", "percentile").default_value) == c.percentile);
  CHECK(option("PrepareOptions", "percentile").range->min_exclusive);
  // A choice a use takes only in part lists that part: activation observers are per tensor.
  CHECK(option("PrepareOptions", "qscheme").choices ==
        std::vector<std::string>{"per_tensor_affine", "per_tensor_symmetric"});
  CHECK(option("PrepareOptions", "qscheme").type == "QScheme");

  CHECK(std::get<std::string>(option("LoadOptions", "activation").default_value) == "relu");
  // ConvertOptions: the weight options of QuantizeOptions only.
  std::vector<std::string> convert;
  for (const OptionInfo& o : option_group("ConvertOptions").options) convert.push_back(o.name);
  CHECK(convert == std::vector<std::string>{"symmetric", "perChannel", "dtype", "reduceRange", "range"});
  CHECK_THROWS_WITH(option_group("NoSuchOptions"), Contains("no option group named 'NoSuchOptions'"));
}

TEST_CASE("every enum in the table, with a description per name", "[settings]") {
  std::vector<std::string> types;
  for (const EnumInfo& e : enum_infos()) {
    types.push_back(e.type);
    CHECK(e.names.size() == e.descriptions.size());
  }
  CHECK(types == std::vector<std::string>{"QuantDtype", "QScheme", "RangeVariant", "ActivationName", "ForwardMode",
                                          "ActivationScheme", "ActivationObserverName", "QConfigBackend", "CheckpointFormat",
                                          "WeightLayout"});
  // Every enum-typed option names one of them.
  for (const OptionGroup& g : option_groups())
    for (const OptionInfo& o : g.options)
      if (!o.choices.empty()) CHECK(std::find(types.begin(), types.end(), o.type) != types.end());
}

TEST_CASE("llm-int8 weights default to the restricted range, others to the full one", "[settings]") {
  const std::vector<float> w = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f};
  const Linear linear(3, 2, w);
  QuantLinearOptions o;
  o.mode = ForwardMode::llm_int8;
  CHECK(QuantLinear::from_linear(linear, o).qparams().qmin == -127);
  o.mode = ForwardMode::dynamic;
  CHECK(QuantLinear::from_linear(linear, o).qparams().qmin == -128);
  o.mode = ForwardMode::llm_int8;
  o.range = RangeVariant::full;
  CHECK(QuantLinear::from_linear(linear, o).qparams().qmin == -128);
}
