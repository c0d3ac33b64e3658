#pragma once
// Number formatting for result files: shortest text that reads back to the same double
// (std::to_chars), independent of locale, so identical runs give identical bytes.
#include <charconv>
#include <string>

namespace stratum::sim {

inline void append_number(std::string& out, double value) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

inline void append_number(std::string& out, long long value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

}  // namespace stratum::sim
