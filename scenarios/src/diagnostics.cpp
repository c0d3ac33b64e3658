#include "stratum/scenarios/diagnostics.hpp"

#include <utility>

namespace stratum::scenarios {

std::string Diagnostic::to_string() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += ": error: ";
  out += message;
  return out;
}

void Diagnostics::error(SourceLocation where, std::string message) {
  errors_.push_back(Diagnostic{std::move(where), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
  errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const Diagnostic& d : errors_) {
    out += d.to_string();
    out += '\n';
  }
  return out;
}

}  // namespace stratum::scenarios
