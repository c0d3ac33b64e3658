#pragma once
// Number formatting for result files: shortest text that reads back to the same double
// (std::to_chars), independent of locale, so identical runs give identical bytes.
#include <charconv>
#include <string>
#include <string_view>

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

// Appends one CSV row field by field, with the commas between them. Text fields are written as
// given (callers pass text without commas or quote it themselves).
class CsvRow {
 public:
  explicit CsvRow(std::string& out) : out_(out) {}
  ~CsvRow() { out_ += '\n'; }
  CsvRow(const CsvRow&) = delete;
  CsvRow& operator=(const CsvRow&) = delete;

  CsvRow& number(double value) {
    separate();
    append_number(out_, value);
    return *this;
  }
  CsvRow& integer(long long value) {
    separate();
    append_number(out_, value);
    return *this;
  }
  CsvRow& text(std::string_view value) {
    separate();
    out_ += value;
    return *this;
  }
  CsvRow& blank() {
    separate();
    return *this;
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace stratum::sim
