#include "stratum/scenarios/units.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace stratum::scenarios {
namespace {

double parse_ok(const std::string& text, Quantity kind) {
  double v = std::numeric_limits<double>::quiet_NaN();
  std::string error;
  EXPECT_TRUE(parse_quantity(text, kind, v, error)) << text << ": " << error;
  return v;
}

std::string parse_error(const std::string& text, Quantity kind) {
  double v = 0;
  std::string error;
  EXPECT_FALSE(parse_quantity(text, kind, v, error)) << text;
  return error;
}

TEST(ScenarioUnits, TimeUnits) {
  EXPECT_DOUBLE_EQ(parse_ok("3 ns", Quantity::kTime), 3e-9);
  EXPECT_DOUBLE_EQ(parse_ok("2 us", Quantity::kTime), 2e-6);
  EXPECT_DOUBLE_EQ(parse_ok("100ms", Quantity::kTime), 0.1);
  EXPECT_DOUBLE_EQ(parse_ok("1.5 s", Quantity::kTime), 1.5);
  EXPECT_DOUBLE_EQ(parse_ok("2 min", Quantity::kTime), 120);
  EXPECT_DOUBLE_EQ(parse_ok("1 h", Quantity::kTime), 3600);
  EXPECT_DOUBLE_EQ(parse_ok("  +4e-3  s ", Quantity::kTime), 4e-3);
  EXPECT_DOUBLE_EQ(parse_ok("-1 s", Quantity::kTime), -1);  // ranges are the caller's to check
}

TEST(ScenarioUnits, DecimalAndBinaryBytes) {
  EXPECT_DOUBLE_EQ(parse_ok("80 GB", Quantity::kBytes), 80e9);
  EXPECT_DOUBLE_EQ(parse_ok("80 GiB", Quantity::kBytes), 80.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_ok("1 KB", Quantity::kBytes), 1000);
  EXPECT_DOUBLE_EQ(parse_ok("1 KiB", Quantity::kBytes), 1024);
  EXPECT_DOUBLE_EQ(parse_ok("2 TiB", Quantity::kBytes), 2.0 * 1099511627776.0);
  EXPECT_DOUBLE_EQ(parse_ok("7 B", Quantity::kBytes), 7);
}

TEST(ScenarioUnits, BandwidthBytesAndBits) {
  EXPECT_DOUBLE_EQ(parse_ok("900 GB/s", Quantity::kBandwidth), 900e9);
  EXPECT_DOUBLE_EQ(parse_ok("3.35 TB/s", Quantity::kBandwidth), 3.35e12);
  EXPECT_DOUBLE_EQ(parse_ok("400 Gb/s", Quantity::kBandwidth), 50e9);  // bits: 8x smaller
  EXPECT_DOUBLE_EQ(parse_ok("1 GiB/s", Quantity::kBandwidth), 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_ok("8 Kb/s", Quantity::kBandwidth), 1000);
}

TEST(ScenarioUnits, RateFlopsPowerMoney) {
  EXPECT_DOUBLE_EQ(parse_ok("5 /s", Quantity::kRate), 5);
  EXPECT_DOUBLE_EQ(parse_ok("300 /min", Quantity::kRate), 5);
  EXPECT_DOUBLE_EQ(parse_ok("0.05 /h", Quantity::kRate), 0.05 / 3600);
  EXPECT_DOUBLE_EQ(parse_ok("989 TFLOP/s", Quantity::kFlops), 989e12);
  EXPECT_DOUBLE_EQ(parse_ok("2 PFLOP/s", Quantity::kFlops), 2e15);
  EXPECT_DOUBLE_EQ(parse_ok("624 TOP/s", Quantity::kFlops), 624e12);
  EXPECT_DOUBLE_EQ(parse_ok("700 W", Quantity::kPower), 700);
  EXPECT_DOUBLE_EQ(parse_ok("1.2 kW", Quantity::kPower), 1200);
  EXPECT_DOUBLE_EQ(parse_ok("6.88 USD", Quantity::kMoney), 6.88);
}

TEST(ScenarioUnits, MissingUnitListsExpectedUnits) {
  EXPECT_EQ(parse_error("900", Quantity::kBandwidth),
            "missing unit in \"900\"; expected a bandwidth as a number and a unit, one of: B/s, KB/s, MB/s, GB/s, "
            "TB/s, KiB/s, MiB/s, GiB/s, TiB/s, Kb/s, Mb/s, Gb/s, Tb/s");
}

TEST(ScenarioUnits, WrongKindOfUnitSaysWhichKind) {
  EXPECT_EQ(parse_error("900 GB", Quantity::kBandwidth).rfind("unit \"GB\" in \"900 GB\" is a size unit, not a bandwidth; ", 0),
            0u);
  EXPECT_NE(parse_error("5 s", Quantity::kRate).find("is a time unit, not a rate"), std::string::npos);
}

TEST(ScenarioUnits, UnknownUnitAndCaseSensitivity) {
  EXPECT_EQ(parse_error("2 sec", Quantity::kTime),
            "unknown unit \"sec\" in \"2 sec\"; expected a time as a number and a unit, one of: ns, us, ms, s, min, h");
  EXPECT_NE(parse_error("80 gb", Quantity::kBytes).find("unknown unit \"gb\""), std::string::npos);
  EXPECT_NE(parse_error("2 MS", Quantity::kTime).find("unknown unit"), std::string::npos);
}

TEST(ScenarioUnits, RejectsNonNumbersAndNonFinite) {
  EXPECT_NE(parse_error("fast", Quantity::kTime).find("does not start with a number"), std::string::npos);
  EXPECT_NE(parse_error("", Quantity::kTime).find("empty quantity"), std::string::npos);
  EXPECT_NE(parse_error("inf s", Quantity::kTime).find("not a finite number"), std::string::npos);
  EXPECT_NE(parse_error("nan s", Quantity::kTime).find("not a finite number"), std::string::npos);
  EXPECT_NE(parse_error("1e999 s", Quantity::kTime).find("out of range"), std::string::npos);
  // Finite number, but the SI value overflows.
  EXPECT_NE(parse_error("1e300 PFLOP/s", Quantity::kFlops).find("out of range"), std::string::npos);
}

TEST(ScenarioUnits, ExpectedUnitsAreAllAccepted) {
  for (Quantity kind : {Quantity::kTime, Quantity::kBytes, Quantity::kBandwidth, Quantity::kRate, Quantity::kFlops,
                        Quantity::kPower, Quantity::kMoney, Quantity::kFrequency}) {
    std::string list = expected_units(kind);
    size_t pos = 0;
    int n = 0;
    while (pos < list.size()) {
      size_t end = list.find(", ", pos);
      if (end == std::string::npos) end = list.size();
      const std::string unit = list.substr(pos, end - pos);
      double v = 0;
      std::string error;
      EXPECT_TRUE(parse_quantity("1 " + unit, kind, v, error)) << unit << ": " << error;
      EXPECT_GT(v, 0) << unit;
      ++n;
      pos = end + 2;
    }
    EXPECT_GT(n, 0);
  }
}

}  // namespace
TEST(ScenarioUnits, Frequencies) {
  EXPECT_DOUBLE_EQ(parse_ok("1980 MHz", Quantity::kFrequency), 1.98e9);
  EXPECT_DOUBLE_EQ(parse_ok("1.98 GHz", Quantity::kFrequency), 1.98e9);
  EXPECT_DOUBLE_EQ(parse_ok("100 kHz", Quantity::kFrequency), 1e5);
  EXPECT_DOUBLE_EQ(parse_ok("50 Hz", Quantity::kFrequency), 50);
  EXPECT_NE(parse_error("1980 mhz", Quantity::kFrequency).find("unknown unit \"mhz\""), std::string::npos);
  EXPECT_NE(parse_error("1980 MHz", Quantity::kTime).find("is a frequency unit, not a time"), std::string::npos);
}

TEST(ScenarioUnits, FormatQuantityPicksTheShortestUnit) {
  EXPECT_EQ(format_quantity(12.5e-6, Quantity::kTime), "12.5 us");
  EXPECT_EQ(format_quantity(180e-6, Quantity::kTime), "180 us");
  EXPECT_EQ(format_quantity(0.35e-3, Quantity::kTime), "350 us");
  EXPECT_EQ(format_quantity(1.5, Quantity::kTime), "1.5 s");
  EXPECT_EQ(format_quantity(1.0 / 3, Quantity::kTime), "333.333333333333 ms");
  EXPECT_EQ(format_quantity(1e-12, Quantity::kTime), "1e-12 s");  // below every unit: SI, exact
  EXPECT_EQ(format_quantity(0, Quantity::kTime), "0 s");
  EXPECT_EQ(format_quantity(1073741824, Quantity::kBytes), "1 GiB");
  EXPECT_EQ(format_quantity(1e9, Quantity::kBytes), "1 GB");
  EXPECT_EQ(format_quantity(1234, Quantity::kBytes), "1234 B");
  EXPECT_EQ(format_quantity(12345, Quantity::kBytes), "12.345 KB");  // 12345 B is beyond B's range
  EXPECT_EQ(format_quantity(1.98e9, Quantity::kFrequency), "1980 MHz");
  EXPECT_EQ(format_quantity(700, Quantity::kPower), "700 W");
  EXPECT_EQ(format_quantity(50e9, Quantity::kBandwidth), "50 GB/s");
}

TEST(ScenarioUnits, FormatQuantityReadsBackWithinAFewUlps) {
  // Values with no short decimal form in any unit: the text must still parse to within 1e-15.
  uint64_t state = 12345;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
    const double mantissa = static_cast<double>(state >> 11) / static_cast<double>(uint64_t{1} << 53);
    const double value = (0.5 + mantissa) * std::pow(10.0, (i % 24) - 12);
    for (Quantity kind : {Quantity::kTime, Quantity::kBytes, Quantity::kFrequency, Quantity::kBandwidth}) {
      const std::string text = format_quantity(value, kind);
      EXPECT_NEAR(parse_ok(text, kind), value, 1e-15 * value) << text;
    }
  }
}

}  // namespace stratum::scenarios
