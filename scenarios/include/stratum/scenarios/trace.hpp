#pragma once
// Request trace readers: Azure LLM inference trace 2023 (CSV) and Mooncake FAST'25 (JSONL).
#include <cstdint>
#include <string>
#include <vector>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios {

struct TraceRequest {
  double arrival_s = 0;          // relative to the first request of the trace
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::vector<uint64_t> hash_ids;  // Mooncake prefix blocks of 512 tokens (empty for Azure)
};

// Recognises the format from the file's content (CSV header or JSON object per line).
// Returns false and reports into `diags` when the file is neither.
bool detect_trace_format(const std::string& path, TraceFormat& format, Diagnostics& diags);

// Reads the whole trace, sorted by arrival (stable). Errors carry file:line:col.
std::vector<TraceRequest> read_trace(const std::string& path, TraceFormat format, Diagnostics& diags);

}  // namespace stratum::scenarios
