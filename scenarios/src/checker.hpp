#pragma once
// Private to scenarios/: semantic checks that report every problem at the field's location.
#include <cstdint>
#include <map>
#include <string>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/units.hpp"

namespace stratum::scenarios::detail {

class Checker {
 public:
  Checker(const std::map<std::string, SourceLocation>& locations, std::string file, Diagnostics& diags)
      : locations_(locations), file_(std::move(file)), diags_(diags) {}

  // Location of `path` or its nearest located ancestor, else the file.
  SourceLocation where(const std::string& path) const;
  void error(const std::string& path, std::string message);
  // "<path> is missing; expected <what>".
  void missing(const std::string& path, const std::string& what);

  // Integer in [lo, hi]; reports "<path> is <v>; expected an integer from lo to hi".
  bool int_range(const std::string& path, int64_t value, int64_t lo, int64_t hi);
  // Parses a quantity; reports "<path>: <unit error>".
  bool quantity(const std::string& path, const std::string& text, Quantity kind, double& value);
  // Parses a quantity and requires lo <= value <= hi (lo_open: lo < value); out-of-range message
  // shows the text and the bounds in the text's own terms (`bounds`).
  bool quantity_range(const std::string& path, const std::string& text, Quantity kind, double& value, double lo,
                      bool lo_open, double hi, const std::string& bounds);
  // A finite double in the range (open or closed at lo), reported with `bounds`.
  bool real_range(const std::string& path, double value, double lo, bool lo_open, double hi,
                  const std::string& bounds);

  const std::string& file() const { return file_; }
  Diagnostics& diags() { return diags_; }

 private:
  const std::map<std::string, SourceLocation>& locations_;
  std::string file_;
  Diagnostics& diags_;
};

// Shortest round-trip text of a double ("0.9", "1e+30").
std::string format_number(double v);

}  // namespace stratum::scenarios::detail
