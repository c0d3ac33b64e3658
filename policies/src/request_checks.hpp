#pragma once
// Admission checks every batching policy applies to a new request before its own KV rules.
#include <cstdint>
#include <string>

#include "stratum/policies/batching.hpp"

namespace stratum::policies {

// "P prompt + O output tokens", the words rejection reasons use for a request's size.
inline std::string describe_tokens(const SequenceRequest& r) {
  return std::to_string(r.prompt_tokens) + " prompt + " + std::to_string(r.output_tokens) + " output tokens";
}

// Why a request can never be served within the model's context limit; empty when it can.
inline std::string length_rejection(const SequenceRequest& r, int64_t max_model_len) {
  if (r.prompt_tokens < 1 || r.output_tokens < 1) {
    return "needs at least 1 prompt and 1 output token, got " + describe_tokens(r);
  }
  const int64_t total = r.prompt_tokens + r.output_tokens;
  if (total > max_model_len) {
    return describe_tokens(r) + " = " + std::to_string(total) + " exceed max_model_len " + std::to_string(max_model_len);
  }
  return {};
}

}  // namespace stratum::policies
