#pragma once
// Quantities with units ("900 GB/s", "2 us", "80 GiB", "5 /s"), parsed once at load into SI
// (DESIGN.md section 2). GB is 10^9 bytes, GiB is 2^30, Gb/s is bits per second. A wrong or
// missing unit is an error listing the expected units; the number must be finite. Ranges are
// the caller's to check (a negative time parses; the caller says why it is wrong).
#include <string>
#include <string_view>

namespace stratum::scenarios {

enum class Quantity {
  kTime,       // seconds: ns, us, ms, s, min, h
  kBytes,      // bytes: B, KB, MB, GB, TB (10^n), KiB, MiB, GiB, TiB (2^n)
  kBandwidth,  // bytes/s: B/s ... TiB/s, and bit rates Kb/s, Mb/s, Gb/s, Tb/s
  kRate,       // events per second: /s, /min, /h
  kFlops,      // FLOP/s (or integer OP/s): GFLOP/s, TFLOP/s, PFLOP/s, GOP/s, TOP/s, POP/s
  kPower,      // watts: W, kW
  kMoney,      // US dollars: USD
  kFrequency,  // hertz: Hz, kHz, MHz, GHz (GPU clocks in calibration profiles)
};

// "a time", "a size in bytes", ... for messages.
const char* describe(Quantity kind);
// The accepted units, comma-separated, for messages: "ns, us, ms, s, min, h".
const char* expected_units(Quantity kind);

// Parses `text` as a number followed by a unit of `kind` (space between them optional) and
// stores the value in SI units. On failure returns false and sets `error` to
// "what is wrong; expected what" (no location prefix). Allocates only on failure.
bool parse_quantity(std::string_view text, Quantity kind, double& value, std::string& error);

// The inverse of parse_quantity for files Stratum writes (calibration profiles): "<number> <unit>"
// with the shortest text, among the units of `kind` in which the number is from 1 to 10000, that
// parse_quantity reads back to `value` within 1e-15 relative, a few ulps ("12.5 us", "1 GiB",
// "1980 MHz"); ties go to the unit listed first. Zero and values outside every unit's range use
// the SI unit, exactly ("0 s"). Not for the hot path: it tries every unit at every precision.
std::string format_quantity(double value, Quantity kind);

}  // namespace stratum::scenarios
