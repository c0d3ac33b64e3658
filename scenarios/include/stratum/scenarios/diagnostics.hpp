#pragma once
// Input errors are collected, never thrown one at a time (DESIGN.md section 2):
// every problem is reported as `file:line:col: error: what is wrong; expected what`.
#include <string>
#include <vector>

namespace stratum::scenarios {

// A place in an input file. Lines and columns are 1-based; 0 means "whole file".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  SourceLocation where;
  std::string message;  // "what is wrong; expected what", without the location prefix

  // "file:line:col: error: message" (or "file: error: message" without a line).
  std::string to_string() const;
};

class Diagnostics {
 public:
  void error(SourceLocation where, std::string message);
  bool ok() const { return errors_.empty(); }
  const std::vector<Diagnostic>& errors() const { return errors_; }
  void append(const Diagnostics& other);
  // All errors, one per line, in the order they were found.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> errors_;
};

}  // namespace stratum::scenarios
