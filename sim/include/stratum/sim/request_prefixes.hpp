#pragma once
// Every request's prefix block hashes (Mooncake trace hash_ids), for prefix-aware routing. One
// flat array for the whole run plus an offset per request, not a vector per request: a trace of
// 10^6 requests then costs two allocations, not 10^6.
#include <cstdint>
#include <span>
#include <vector>

namespace stratum::sim {

struct RequestPrefixes {
  std::vector<uint64_t> ids;      // all requests' hashes, request after request
  std::vector<uint64_t> offsets;  // request i's are ids[offsets[i], offsets[i + 1]); empty: none

  // Request `id`'s hashes; empty when it has none or is beyond the table.
  std::span<const uint64_t> of(uint64_t id) const {
    if (id + 1 >= offsets.size()) return {};
    return std::span<const uint64_t>(ids).subspan(offsets[id], offsets[id + 1] - offsets[id]);
  }
};

}  // namespace stratum::sim
