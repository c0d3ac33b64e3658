// Prefill-decode disaggregation inside the continuous batcher (DistServe, Zhong et al. OSDI 2024;
// Splitwise, Patel et al. ISCA 2024). Two kinds of sequences (SequenceRequest in batching.hpp):
// - prefill_only, on a prefill instance: an ordinary sequence whose output ends at its first
//   token; when it finishes, its blocks move to held_ instead of being freed, and stay counted as
//   used until release_kv(id) (its KV cache is being read by the transfer to a decode instance).
// - prefilled, on a decode instance: its prompt's KV cache arrived. It waits in kv_waiting_ (FCFS)
//   until blocks for those tokens fit above the admission watermark and a running slot is free,
//   then joins running_ with its cache present (computed = target = prefilled tokens, one output
//   token already generated) and decodes from the next batch on. It never overtakes a waiting
//   sequence (a preempted one, re-prefilling locally) of equal or higher priority.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "request_checks.hpp"
#include "stratum/policies/continuous_batcher.hpp"

namespace stratum::policies {

bool ContinuousBatcher::enqueue_prefilled(const SequenceRequest& r) {
  if (r.prefilled_tokens > r.prompt_tokens || r.output_tokens < 2 || r.prefill_only) {
    throw std::invalid_argument("ContinuousBatcher: a prefilled sequence needs prefilled_tokens <= prompt_tokens, "
                                "at least 2 output tokens, and not prefill_only");
  }
  if (r.priority < 0 || r.priority >= kPriorityLevels) {
    throw std::invalid_argument("request priority must be in [0, " + std::to_string(kPriorityLevels) + ")");
  }
  // As for any request: alone in the cache it must fit at its full length (see enqueue).
  const int64_t need = blocks_for(r.prompt_tokens + r.output_tokens);
  if (need > total_blocks_ - watermark_blocks_) {
    reject(r.id, describe_tokens(r) + " need " + std::to_string(need) + " KV blocks of " + std::to_string(block_size_) +
                     " tokens; this decode instance's cache has " + std::to_string(total_blocks_) + " blocks, " +
                     std::to_string(total_blocks_ - watermark_blocks_) + " after the 1 % admission watermark");
    return false;
  }
  Sequence s;
  s.id = r.id;
  s.prompt = r.prompt_tokens;
  s.output = r.output_tokens;
  s.generated = 1;  // the prefill instance emitted the first token
  s.target = r.prefilled_tokens;
  s.priority = r.priority;
  s.prefix.hashes = r.prefix_hashes;
  kv_waiting_.push_back(std::move(s));
  return true;
}

void ContinuousBatcher::admit_prefilled() {
  while (!kv_waiting_.empty() && std::ssize(running_) < max_num_seqs_) {
    Sequence& s = kv_waiting_.front();
    if (!waiting_.empty() && waiting_.front().priority >= s.priority) break;
    const int64_t need = blocks_for(s.target);
    if (available_blocks() - need < watermark_blocks_) break;
    if (!grow(s, s.target)) break;  // cannot happen after the check above; keeps the queue intact
    s.computed = s.target;
    running_.push_back(std::move(s));
    kv_waiting_.pop_front();
  }
}

void ContinuousBatcher::finish_blocks(Sequence& s) {
  if (!s.hold_kv) {
    release_blocks(s);
    return;
  }
  held_.push_back(s);
  s.blocks = 0;  // the held copy owns them now
  s.prefix.slots.clear();
}

void ContinuousBatcher::release_kv(uint64_t id) {
  const auto it = std::find_if(held_.begin(), held_.end(), [id](const Sequence& s) { return s.id == id; });
  if (it == held_.end()) {
    throw std::logic_error("ContinuousBatcher::release_kv: request " + std::to_string(id) + " holds no KV blocks");
  }
  release_blocks(*it);
  held_.erase(it);
}

int64_t ContinuousBatcher::held_kv_blocks() const {
  int64_t n = 0;
  for (const Sequence& s : held_) n += s.blocks;
  return n;
}

}  // namespace stratum::policies
