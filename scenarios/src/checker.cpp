#include "checker.hpp"

#include <charconv>
#include <cmath>

namespace stratum::scenarios::detail {

SourceLocation Checker::where(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    if (auto it = locations_.find(p); it != locations_.end()) return it->second;
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return SourceLocation{file_, 0, 0};
}

void Checker::error(const std::string& path, std::string message) { diags_.error(where(path), std::move(message)); }

void Checker::missing(const std::string& path, const std::string& what) {
  error(path, path + " is missing; expected " + what);
}

bool Checker::int_range(const std::string& path, int64_t value, int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi) return true;
  error(path, path + " is " + std::to_string(value) + "; expected an integer from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
  return false;
}

bool Checker::quantity(const std::string& path, const std::string& text, Quantity kind, double& value) {
  std::string message;
  if (parse_quantity(text, kind, value, message)) return true;
  error(path, path + ": " + message);
  return false;
}

bool Checker::quantity_range(const std::string& path, const std::string& text, Quantity kind, double& value,
                             double lo, bool lo_open, double hi, const std::string& bounds) {
  if (!quantity(path, text, kind, value)) return false;
  const bool above_lo = lo_open ? value > lo : value >= lo;
  if (above_lo && value <= hi) return true;
  error(path, path + " is \"" + text + "\"; expected " + describe(kind) + " " + bounds);
  return false;
}

bool Checker::real_range(const std::string& path, double value, double lo, bool lo_open, double hi,
                         const std::string& bounds) {
  // Written so that NaN fails every comparison and lands in the error branch.
  const bool above_lo = lo_open ? value > lo : value >= lo;
  if (above_lo && value <= hi) return true;
  error(path, path + " is " + format_number(value) + "; expected a number " + bounds);
  return false;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

}  // namespace stratum::scenarios::detail
