#include <cstdio>
#include <string>

#include "stratum/kernels/sweeps.hpp"

namespace stratum::kernels {

void SweepLog::progress(std::string_view sweep, size_t done, size_t total) const {
  if (!verbose) return;
  std::fprintf(stderr, "\r%.*s: %zu / %zu%s", static_cast<int>(sweep.size()), sweep.data(), done, total,
               done == total ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace stratum::kernels
