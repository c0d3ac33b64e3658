#include "stratum/scenarios/units.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace stratum::scenarios {
namespace {

struct Unit {
  std::string_view symbol;
  Quantity kind;
  double factor;  // SI value of one unit
};

// Decimal prefixes are powers of ten and binary ones powers of two (IEC 80000-13); a bit is an
// eighth of a byte. Units are case-sensitive: "Gb/s" (bits) and "GB/s" (bytes) differ by 8x.
constexpr double kKi = 1024.0;
constexpr std::array kUnits = {
    Unit{"ns", Quantity::kTime, 1e-9},
    Unit{"us", Quantity::kTime, 1e-6},
    Unit{"ms", Quantity::kTime, 1e-3},
    Unit{"s", Quantity::kTime, 1.0},
    Unit{"min", Quantity::kTime, 60.0},
    Unit{"h", Quantity::kTime, 3600.0},
    Unit{"B", Quantity::kBytes, 1.0},
    Unit{"KB", Quantity::kBytes, 1e3},
    Unit{"MB", Quantity::kBytes, 1e6},
    Unit{"GB", Quantity::kBytes, 1e9},
    Unit{"TB", Quantity::kBytes, 1e12},
    Unit{"KiB", Quantity::kBytes, kKi},
    Unit{"MiB", Quantity::kBytes, kKi * kKi},
    Unit{"GiB", Quantity::kBytes, kKi * kKi * kKi},
    Unit{"TiB", Quantity::kBytes, kKi * kKi * kKi * kKi},
    Unit{"B/s", Quantity::kBandwidth, 1.0},
    Unit{"KB/s", Quantity::kBandwidth, 1e3},
    Unit{"MB/s", Quantity::kBandwidth, 1e6},
    Unit{"GB/s", Quantity::kBandwidth, 1e9},
    Unit{"TB/s", Quantity::kBandwidth, 1e12},
    Unit{"KiB/s", Quantity::kBandwidth, kKi},
    Unit{"MiB/s", Quantity::kBandwidth, kKi * kKi},
    Unit{"GiB/s", Quantity::kBandwidth, kKi * kKi * kKi},
    Unit{"TiB/s", Quantity::kBandwidth, kKi * kKi * kKi * kKi},
    Unit{"Kb/s", Quantity::kBandwidth, 1e3 / 8},
    Unit{"Mb/s", Quantity::kBandwidth, 1e6 / 8},
    Unit{"Gb/s", Quantity::kBandwidth, 1e9 / 8},
    Unit{"Tb/s", Quantity::kBandwidth, 1e12 / 8},
    Unit{"/s", Quantity::kRate, 1.0},
    Unit{"/min", Quantity::kRate, 1.0 / 60},
    Unit{"/h", Quantity::kRate, 1.0 / 3600},
    Unit{"FLOP/s", Quantity::kFlops, 1.0},
    Unit{"GFLOP/s", Quantity::kFlops, 1e9},
    Unit{"TFLOP/s", Quantity::kFlops, 1e12},
    Unit{"PFLOP/s", Quantity::kFlops, 1e15},
    Unit{"GOP/s", Quantity::kFlops, 1e9},
    Unit{"TOP/s", Quantity::kFlops, 1e12},
    Unit{"POP/s", Quantity::kFlops, 1e15},
    Unit{"W", Quantity::kPower, 1.0},
    Unit{"kW", Quantity::kPower, 1e3},
    Unit{"USD", Quantity::kMoney, 1.0},
    Unit{"Hz", Quantity::kFrequency, 1.0},
    Unit{"kHz", Quantity::kFrequency, 1e3},
    Unit{"MHz", Quantity::kFrequency, 1e6},
    Unit{"GHz", Quantity::kFrequency, 1e9},
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out.append(s);
  out += '"';
  return out;
}

}  // namespace

const char* describe(Quantity kind) {
  switch (kind) {
    case Quantity::kTime: return "a time";
    case Quantity::kBytes: return "a size";
    case Quantity::kBandwidth: return "a bandwidth";
    case Quantity::kRate: return "a rate";
    case Quantity::kFlops: return "a compute throughput";
    case Quantity::kPower: return "a power";
    case Quantity::kMoney: return "an amount of money";
    case Quantity::kFrequency: return "a frequency";
  }
  return "a quantity";
}

const char* expected_units(Quantity kind) {
  switch (kind) {
    case Quantity::kTime: return "ns, us, ms, s, min, h";
    case Quantity::kBytes: return "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB";
    case Quantity::kBandwidth:
      return "B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s, Kb/s, Mb/s, Gb/s, Tb/s";
    case Quantity::kRate: return "/s, /min, /h";
    case Quantity::kFlops: return "FLOP/s, GFLOP/s, TFLOP/s, PFLOP/s, GOP/s, TOP/s, POP/s";
    case Quantity::kPower: return "W, kW";
    case Quantity::kMoney: return "USD";
    case Quantity::kFrequency: return "Hz, kHz, MHz, GHz";
  }
  return "";
}

bool parse_quantity(std::string_view text, Quantity kind, double& value, std::string& error) {
  std::string_view s = text;
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  const auto expected = [&] {
    return std::string("expected ") + describe(kind) + " as a number and a unit, one of: " + expected_units(kind);
  };
  if (s.empty()) {
    error = "empty quantity; " + expected();
    return false;
  }
  // from_chars does not take a leading '+'; accept it as people write "+5 s".
  std::string_view number = s;
  if (number.front() == '+') number.remove_prefix(1);
  double parsed = 0;
  // std::from_chars is locale-independent and does not allocate (unlike strtod / streams).
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), parsed);
  if (ec == std::errc::result_out_of_range) {
    error = "number in " + quoted(text) + " is out of range; " + expected();
    return false;
  }
  if (ec != std::errc() || end == number.data()) {
    error = quoted(text) + " does not start with a number; " + expected();
    return false;
  }
  if (!std::isfinite(parsed)) {
    error = quoted(text) + " is not a finite number; " + expected();
    return false;
  }
  std::string_view unit(end, static_cast<size_t>(number.data() + number.size() - end));
  while (!unit.empty() && is_space(unit.front())) unit.remove_prefix(1);
  if (unit.empty()) {
    error = "missing unit in " + quoted(text) + "; " + expected();
    return false;
  }
  for (const Unit& u : kUnits) {
    if (u.symbol != unit) continue;
    if (u.kind != kind) {
      error = "unit " + quoted(unit) + " in " + quoted(text) + " is " + describe(u.kind) + " unit, not " +
              describe(kind) + "; " + expected();
      return false;
    }
    value = parsed * u.factor;
    if (!std::isfinite(value)) {
      error = quoted(text) + " is out of range; " + expected();
      return false;
    }
    return true;
  }
  error = "unknown unit " + quoted(unit) + " in " + quoted(text) + "; " + expected();
  return false;
}

// Relative error format_quantity allows when reading back: about 4.5 ulps of a double (2^-52 is
// 2.2e-16), far below any measurement's precision.
constexpr double kReadBackTolerance = 1e-15;
// Units in which the number falls in [1, 10000) are candidates: "1980 MHz" and "1.98 GHz" both
// are, "0.00198 THz" and "1980000 kHz" are not. A readability choice, not a standard.
constexpr double kMinScaled = 1;
constexpr double kMaxScaled = 10000;

std::string format_quantity(double value, Quantity kind) {
  std::string best;
  for (const Unit& u : kUnits) {
    if (u.kind != kind) continue;
    const double scaled = value / u.factor;
    if (!(std::fabs(scaled) >= kMinScaled && std::fabs(scaled) < kMaxScaled)) continue;
    // Every precision up to 17 significant digits (enough to identify any double), keeping the
    // shortest text that reads back within kReadBackTolerance. Exact would be too strict: "12.5 us"
    // reads back as 12.5 x 1e-6, one ulp away from the double nearest 12.5e-6 (1e-6 has no exact
    // binary form). At 17 digits the error is the two roundings of the division and the product
    // (and 1e-6's own), a few ulps, so a candidate unit always qualifies.
    // to_chars is locale-independent, unlike printf.
    for (int digits = 1; digits <= 17; ++digits) {
      char number[40];
      const auto [end, ec] = std::to_chars(number, number + sizeof number, scaled, std::chars_format::general, digits);
      if (ec != std::errc()) continue;
      double parsed = 0;
      const auto [parsed_end, parse_ec] = std::from_chars(number, end, parsed);
      if (parse_ec != std::errc() || parsed_end != end) continue;
      if (std::fabs(parsed * u.factor - value) > kReadBackTolerance * std::fabs(value)) continue;
      const auto n = static_cast<size_t>(end - number);
      // Not the first precision that qualifies: "1.8e+02" (2 digits) is longer than "180" (3).
      if (best.empty() || n + 1 + u.symbol.size() < best.size()) best = std::string(number, n) + " " + std::string(u.symbol);
    }
  }
  if (!best.empty()) return best;
  // Zero, or beyond every unit's range: the SI unit (factor 1), which reads back exactly.
  for (const Unit& u : kUnits) {
    if (u.kind != kind || u.factor != 1.0) continue;
    char number[32];
    const auto [end, ec] = std::to_chars(number, number + sizeof number, value);
    if (ec == std::errc()) best = std::string(number, end) + " " + std::string(u.symbol);
    break;
  }
  return best;
}

}  // namespace stratum::scenarios
