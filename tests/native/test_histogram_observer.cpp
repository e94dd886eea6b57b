// HistogramObserver against PyTorch 1.13's (tools/make_histogram_observer_fixtures.py): scale bits
// and zero points, plus its behaviour beyond the fixtures (no data yet, bad input, options).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlinear/histogram_observer.hpp"

using namespace qlinear;
using Catch::Contains;

namespace {

// The bit pattern of a float, so the checks demand bit-exact equality.
uint32_t bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

nlohmann::json histogram_fixtures() {
  std::ifstream in(std::string(QLINEAR_FIXTURE_DIR) + "/histogram_observer.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// A tensor as the fixture stores it: base64 of its little-endian float32 bytes.
std::vector<float> decode_floats(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> bytes;
  uint32_t acc = 0;
  int held = 0;
  bool valid = true;
  for (const char c : text) {
    if (c == '=') break;
    const std::size_t v = alphabet.find(c);
    if (v == std::string::npos) {
      valid = false;
      break;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes.push_back(static_cast<uint8_t>((acc >> held) & 0xffu));
    }
  }
  REQUIRE(valid);
  REQUIRE(bytes.size() % 4 == 0);
  std::vector<float> out(bytes.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const uint32_t u = static_cast<uint32_t>(bytes[4 * i]) | static_cast<uint32_t>(bytes[4 * i + 1]) << 8 |
                       static_cast<uint32_t>(bytes[4 * i + 2]) << 16 | static_cast<uint32_t>(bytes[4 * i + 3]) << 24;
    std::memcpy(&out[i], &u, sizeof u);
  }
  return out;
}

uint32_t hex_bits(const nlohmann::json& j) { return static_cast<uint32_t>(std::stoul(j.get<std::string>(), nullptr, 16)); }

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

HistogramObserver::Options case_options(const nlohmann::json& c) {
  HistogramObserver::Options o;
  o.bins = c["bins"].get<int>();
  o.upsample_rate = c["upsample_rate"].get<int>();
  o.dtype = parse_dtype(c["dtype"].get<std::string>());
  o.qscheme = parse_qscheme(c["qscheme"].get<std::string>());
  o.reduce_range = c["reduce_range"].get<bool>();
  o.range = parse_range_variant(c["range"].get<std::string>());
  return o;
}

}  // namespace

TEST_CASE("HistogramObserver gives PyTorch 1.13's scale and zero point", "[observer][histogram][fixtures]") {
  const nlohmann::json f = histogram_fixtures();
  const auto& cases = f["cases"];
  REQUIRE(cases.size() >= 200);
  std::size_t compared = 0;
  std::size_t matched = 0;
  for (const auto& c : cases) {
    const std::string name = c["name"].get<std::string>();
    INFO("case: " << name);
    HistogramObserver observer(case_options(c));
    std::vector<std::vector<float>> calls;
    for (const auto& call : c["calls"]) calls.push_back(decode_floats(call.get<std::string>()));
    if (c.contains("error")) {  // PyTorch refused it: so must qlinear
      INFO("PyTorch: " << c["error"].get<std::string>());
      CHECK_THROWS([&] {
        for (const auto& x : calls) observer.observe(x);
        observer.calculate_qparams();
      }());
      continue;
    }
    for (const auto& x : calls) observer.observe(x);
    ++compared;

    // The histogram's range is exact float32 arithmetic: it must always agree.
    CHECK(bits(observer.min_val()) == hex_bits(c["min_val_bits"]));
    CHECK(bits(observer.max_val()) == hex_bits(c["max_val_bits"]));
    double sum = 0.0;
    for (const float v : observer.histogram()) sum += v;
    const double torch_sum = from_bits(hex_bits(c["hist_sum_bits"]));
    CHECK(std::abs(sum - torch_sum) <= 1e-5 * std::max(1.0, std::abs(torch_sum)));

    const QParams qp = observer.calculate_qparams();
    REQUIRE(qp.scale.size() == 1);
    const bool same = bits(qp.scale[0]) == hex_bits(c["scale_bits"]) && qp.zero_point[0] == c["zero_point"].get<int32_t>();
    const HistogramObserver::SearchResult s = observer.search();
    const int torch_start = c["start_bin"].get<int>();
    const int torch_end = c["end_bin"].get<int>();
    if (same) {
      ++matched;
      if (s.start_bin == torch_start && s.end_bin == torch_end) {
        CHECK(bits(s.min_val) == hex_bits(c["search_min_bits"]));
        CHECK(bits(s.max_val) == hex_bits(c["search_max_bits"]));
      }
      continue;
    }
    // Allowed only where the search chose between two ranges whose L2 errors are equal to within
    // float32 rounding (of a sum of `bins` float32 terms): the two implementations may add them in
    // another order and so break the tie the other way. Anything else is a real difference.
    INFO("qlinear: scale " << qp.scale[0] << " zero point " << qp.zero_point[0] << ", bins [" << s.start_bin << ", "
                           << s.end_bin << "]; PyTorch: scale " << c["scale"].get<double>() << " zero point "
                           << c["zero_point"].get<int32_t>() << ", bins [" << torch_start << ", " << torch_end << "]");
    // The same bins with another scale would be a difference in the qparams formula, not a tie.
    CHECK((s.start_bin != torch_start || s.end_bin != torch_end));
    const double ours = observer.quantization_error(s.start_bin, s.end_bin);
    const double theirs = observer.quantization_error(torch_start, torch_end);
    INFO("L2 errors: qlinear's range " << ours << ", PyTorch's range " << theirs);
    CHECK(std::abs(ours - theirs) <= std::ldexp(std::max(std::abs(ours), std::abs(theirs)), -18));
  }
  INFO(matched << " of " << compared << " cases bit-exact");
  CHECK(matched * 100 >= compared * 99);
}

TEST_CASE("HistogramObserver defaults are PyTorch's; no data gives scale 1, zero point 0", "[observer][histogram]") {
  HistogramObserver observer;
  CHECK(observer.options().bins == 2048);
  CHECK(observer.options().upsample_rate == 128);
  CHECK(observer.options().dtype == QuantDtype::quint8);
  CHECK(observer.options().qscheme == QScheme::per_tensor_affine);
  CHECK_FALSE(observer.options().reduce_range);
  CHECK(observer.quant_range().min == 0);
  CHECK(observer.quant_range().max == 255);
  CHECK_FALSE(observer.has_observed());
  CHECK(observer.histogram() == std::vector<float>(2048, 0.0f));
  const QParams qp = observer.calculate_qparams();
  CHECK(qp.scale == std::vector<float>{1.0f});
  CHECK(qp.zero_point == std::vector<int32_t>{0});
  CHECK(qp.axis == -1);
  CHECK_THROWS_WITH(observer.search(), Contains("not observed"));
  CHECK_THROWS_WITH(observer.quantization_error(0, 10), Contains("not observed"));
}

TEST_CASE("HistogramObserver keeps PyTorch 1.13's truncated histogram range and constant restart", "[observer][histogram]") {
  // PyTorch: histc(x, 2048, min=int(0.5), max=int(1.5)) counts 0.5, 0.75 and 1.0 only (bins 1024,
  // 1536, 2047), min_val / max_val stay 0.5 / 1.5, and the search gives scale 0x3bc0c0c1.
  HistogramObserver observer;
  observer.observe(std::vector<float>{0.5f, 0.75f, 1.0f, 1.25f, 1.5f});
  CHECK(observer.min_val() == 0.5f);
  CHECK(observer.max_val() == 1.5f);
  const std::vector<float>& h = observer.histogram();
  CHECK(h[1024] == 1.0f);
  CHECK(h[1536] == 1.0f);
  CHECK(h[2047] == 1.0f);
  double sum = 0;
  for (const float v : h) sum += v;
  CHECK(sum == 3.0);
  const QParams qp = observer.calculate_qparams();
  CHECK(bits(qp.scale[0]) == 0x3bc0c0c1u);
  CHECK(qp.zero_point[0] == 0);

  // While every value so far is one number, the next tensor replaces the histogram.
  HistogramObserver constant;
  constant.observe(std::vector<float>{2.0f, 2.0f, 2.0f});
  CHECK(constant.min_val() == 2.0f);
  CHECK(constant.max_val() == 2.0f);
  constant.observe(std::vector<float>{5.0f, 6.0f});
  CHECK(constant.min_val() == 5.0f);
  CHECK(constant.max_val() == 6.0f);
  sum = 0;
  for (const float v : constant.histogram()) sum += v;
  CHECK(sum == 2.0);
}

TEST_CASE("HistogramObserver refuses empty and non-finite input and keeps its state", "[observer][histogram]") {
  HistogramObserver observer;
  CHECK_THROWS_WITH(observer.observe(std::vector<float>{}), Contains("empty"));
  CHECK_FALSE(observer.has_observed());
  CHECK_THROWS(observer.observe(std::vector<float>{1.0f, NAN}));
  CHECK_FALSE(observer.has_observed());

  observer.observe(std::vector<float>{-1.0f, 0.5f, 2.0f, 3.0f});
  observer.observe(std::vector<float>{-2.0f, 4.0f});
  const std::vector<float> histogram = observer.histogram();
  const float lo = observer.min_val();
  const float hi = observer.max_val();
  const QParams before = observer.calculate_qparams();

  CHECK_THROWS_WITH(observer.observe(std::vector<float>{}), Contains("empty"));
  CHECK_THROWS(observer.observe(std::vector<float>{100.0f, NAN}));
  CHECK_THROWS(observer.observe(std::vector<float>{-100.0f, INFINITY}));
  CHECK_THROWS(observer.observe(std::vector<float>{-INFINITY, 0.0f}));
  CHECK_THROWS(observer.observe(std::vector<float>{1.0f, 2.0f, 3.0f}, Shape{2, 2}));

  CHECK(observer.histogram() == histogram);
  CHECK(bits(observer.min_val()) == bits(lo));
  CHECK(bits(observer.max_val()) == bits(hi));
  const QParams after = observer.calculate_qparams();
  CHECK(bits(after.scale[0]) == bits(before.scale[0]));
  CHECK(after.zero_point == before.zero_point);

  CHECK_THROWS_WITH(observer.quantization_error(5, 4), Contains("not an ordered range"));
  CHECK_THROWS_WITH(observer.quantization_error(0, 2048), Contains("not an ordered range"));
}

TEST_CASE("HistogramObserver options are checked", "[observer][histogram]") {
  using O = HistogramObserver::Options;
  auto with = [](auto change) {
    O o;
    change(o);
    return o;
  };
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.bins = 0; })), Contains("bins"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.bins = -5; })), Contains("bins"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.bins = 65537; })), Contains("bins"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.upsample_rate = 0; })), Contains("upsample_rate"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.qscheme = QScheme::per_channel_affine; })),
                    Contains("per-tensor"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) { o.qscheme = QScheme::per_channel_symmetric; })),
                    Contains("per-tensor"));
  CHECK_THROWS_WITH(HistogramObserver(with([](O& o) {
                      o.qscheme = QScheme::per_tensor_symmetric;
                      o.reduce_range = true;
                    })),
                    Contains("symmetric quint8"));
  CHECK_THROWS(HistogramObserver(with([](O& o) { o.range = RangeVariant::restricted; })));  // quint8

  CHECK_NOTHROW(HistogramObserver(with([](O& o) { o.bins = 1; o.upsample_rate = 1; })));
  const IntRange reduced = HistogramObserver::validate(with([](O& o) {
    o.dtype = QuantDtype::qint8;
    o.reduce_range = true;
  }));
  CHECK(reduced.min == -64);
  CHECK(reduced.max == 63);
  const IntRange restricted = HistogramObserver::validate(with([](O& o) {
    o.dtype = QuantDtype::qint8;
    o.qscheme = QScheme::per_tensor_symmetric;
    o.range = RangeVariant::restricted;
  }));
  CHECK(restricted.min == -127);
  CHECK(restricted.max == 127);

  std::vector<std::string> names;
  OptionFields<O>::visit([&](const char* name, auto&&...) { names.emplace_back(name); });
  CHECK(names == std::vector<std::string>{"bins", "upsampleRate", "dtype", "qscheme", "reduceRange", "range"});
  CHECK(std::string(OptionFields<O>::group) == "HistogramObserverOptions");
}
