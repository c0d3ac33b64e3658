#include "stratum/policies/continuous_batcher.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "request_checks.hpp"

namespace stratum::policies {

ContinuousBatcher::ContinuousBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len)
    : max_num_seqs_(spec.max_num_seqs),
      max_batched_tokens_(spec.max_batched_tokens),
      chunked_(spec.chunked_prefill),
      block_size_(spec.block_size_tokens),
      max_model_len_(max_model_len),
      total_blocks_(std::max<int64_t>(0, kv_blocks)),
      // vLLM: watermark_blocks = int(watermark * num_gpu_blocks).
      watermark_blocks_(static_cast<int64_t>(kWatermark * static_cast<double>(std::max<int64_t>(0, kv_blocks)))),
      free_blocks_(total_blocks_) {
  if (max_num_seqs_ < 1 || max_batched_tokens_ < 1 || block_size_ < 1) {
    throw std::invalid_argument("continuous batcher needs max_num_seqs, max_batched_tokens and block_size_tokens >= 1");
  }
  running_.reserve(static_cast<size_t>(max_num_seqs_));
  victims_.reserve(static_cast<size_t>(max_num_seqs_));
}

void ContinuousBatcher::reject(uint64_t id, std::string reason) { rejections_.push_back({id, std::move(reason)}); }

bool ContinuousBatcher::enqueue(const SequenceRequest& r) {
  if (std::string why = length_rejection(r, max_model_len_); !why.empty()) {
    reject(r.id, std::move(why));
    return false;
  }
  const std::string tokens = describe_tokens(r);
  const int64_t total = r.prompt_tokens + r.output_tokens;
  if (!chunked_ && r.prompt_tokens > max_batched_tokens_) {
    reject(r.id, "prompt of " + std::to_string(r.prompt_tokens) + " tokens exceeds max_batched_tokens " +
                     std::to_string(max_batched_tokens_) + " and chunked prefill is off");
    return false;
  }
  // Alone in the cache the sequence must be admissible (watermark) and able to grow to its full
  // length; then the oldest running sequence can always make progress.
  const int64_t need = blocks_for(total);
  if (need > total_blocks_ - watermark_blocks_) {
    reject(r.id, tokens + " need " + std::to_string(need) + " KV blocks of " + std::to_string(block_size_) +
                     " tokens; the cache has " + std::to_string(total_blocks_) + " blocks, " +
                     std::to_string(total_blocks_ - watermark_blocks_) + " after the 1 % admission watermark");
    return false;
  }
  Sequence s;
  s.id = r.id;
  s.prompt = r.prompt_tokens;
  s.output = r.output_tokens;
  s.target = r.prompt_tokens;
  waiting_.push_back(s);
  return true;
}

bool ContinuousBatcher::grow(Sequence& s, int64_t tokens) {
  const int64_t need = blocks_for(tokens) - s.blocks;
  if (need <= 0) return true;
  if (need > free_blocks_) return false;
  free_blocks_ -= need;
  s.blocks += need;
  return true;
}

void ContinuousBatcher::preempt(size_t index) {
  Sequence s = running_[index];
  running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(index));
  free_blocks_ += s.blocks;
  s.blocks = 0;
  s.computed = 0;
  s.target = s.prompt + s.generated;  // recompute: re-prefill the prompt and what it generated
  s.scheduled = false;
  victims_.push_back(s);
  preempted_ids_.push_back(s.id);
  ++preemptions_;
}

int64_t ContinuousBatcher::victim_after(size_t after) const {
  for (size_t j = running_.size(); j-- > after + 1;) {
    if (!running_[j].scheduled) return static_cast<int64_t>(j);
  }
  return -1;
}

void ContinuousBatcher::admit(Batch& batch, int64_t tokens) {
  Sequence s = waiting_.front();
  waiting_.pop_front();
  grow(s, tokens);
  s.scheduled = true;
  batch.entries.push_back({s.id, tokens, 0, true});
  batch.prefill_tokens += tokens;
  running_.push_back(s);
}

void ContinuousBatcher::schedule_whole_prefills(Batch& batch) {
  int64_t budget = max_batched_tokens_;
  while (!waiting_.empty() && std::ssize(running_) < max_num_seqs_) {
    const Sequence& s = waiting_.front();
    const int64_t n = s.target;
    if (n > max_batched_tokens_) {
      // Only a recomputing sequence can get here (prompts were checked on arrival). vLLM v0
      // ignores such a sequence; Stratum rejects it with the numbers.
      reject(s.id, "re-prefill of " + std::to_string(n) + " tokens after preemption exceeds max_batched_tokens " +
                       std::to_string(max_batched_tokens_) + " and chunked prefill is off");
      waiting_.pop_front();
      continue;
    }
    if (n > budget || free_blocks_ - blocks_for(n) < watermark_blocks_) break;  // FCFS: no overtaking
    admit(batch, n);
    budget -= n;
  }
}

void ContinuousBatcher::schedule_decodes(Batch& batch, int64_t& budget) {
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& s = running_[i];
    if (s.in_prefill()) {
      ++i;
      continue;
    }
    bool self_preempted = false;
    while (!grow(running_[i], running_[i].computed + 1)) {
      const int64_t v = victim_after(i);
      if (v < 0) {
        preempt(i);
        self_preempted = true;
        break;
      }
      preempt(static_cast<size_t>(v));
    }
    if (self_preempted) continue;  // running_[i] is now the next sequence
    Sequence& d = running_[i];
    d.scheduled = true;
    batch.entries.push_back({d.id, 1, d.computed, false});
    ++batch.decode_tokens;
    --budget;
    ++i;
  }
}

void ContinuousBatcher::schedule_chunked(Batch& batch) {
  int64_t budget = max_batched_tokens_;
  schedule_decodes(batch, budget);
  // Partial prefills continue, oldest first, taking what the decodes left of the budget.
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    if (running_[i].scheduled || !running_[i].in_prefill()) continue;
    int64_t n = std::min(running_[i].target - running_[i].computed, budget);
    while (!grow(running_[i], running_[i].computed + n)) {
      const int64_t v = victim_after(i);
      if (v < 0) {
        // Take what the free blocks hold; the rest waits for blocks to free up.
        const Sequence& s = running_[i];
        n = std::min(n, (s.blocks + free_blocks_) * block_size_ - s.computed);
        grow(running_[i], running_[i].computed + n);
        break;
      }
      preempt(static_cast<size_t>(v));
    }
    if (n <= 0) continue;
    Sequence& s = running_[i];
    s.scheduled = true;
    batch.entries.push_back({s.id, n, s.computed, true});
    batch.prefill_tokens += n;
    budget -= n;
  }
  if (!victims_.empty()) return;  // vLLM v1: no new admissions in a step that preempted
  while (budget > 0 && !waiting_.empty() && std::ssize(running_) < max_num_seqs_) {
    const int64_t n = std::min(waiting_.front().target, budget);
    if (free_blocks_ - blocks_for(n) < watermark_blocks_) break;
    admit(batch, n);
    budget -= n;
  }
}

const Batch& ContinuousBatcher::next_batch(double /*now_s*/) {
  if (in_flight_) throw std::logic_error("ContinuousBatcher::next_batch called again before complete()");
  Batch& batch = plan_;
  batch.clear();
  if (chunked_) {
    schedule_chunked(batch);
  } else {
    schedule_whole_prefills(batch);
    if (batch.empty()) {
      int64_t budget = max_batched_tokens_;
      schedule_decodes(batch, budget);
    }
  }
  // Preempted sequences go back to the front of the waiting queue, oldest admission first.
  for (auto it = victims_.begin(); it != victims_.end(); ++it) waiting_.push_front(std::move(*it));
  victims_.clear();
  in_flight_ = !batch.empty();
  return batch;
}

const IterationOutcome& ContinuousBatcher::complete(const Batch& batch) {
  IterationOutcome& out = outcome_;
  out.clear();
  out.preempted.swap(preempted_ids_);
  in_flight_ = false;
  size_t cursor = 0;
  bool any_done = false;
  for (const BatchEntry& e : batch.entries) {
    // Entries follow running order closely; search from the last hit, wrapping once.
    size_t idx = running_.size();
    for (size_t step = 0; step < running_.size(); ++step) {
      const size_t j = (cursor + step) % running_.size();
      if (running_[j].id == e.id && running_[j].scheduled) {
        idx = j;
        break;
      }
    }
    if (idx == running_.size()) {
      throw std::logic_error("ContinuousBatcher::complete: request " + std::to_string(e.id) + " is not running");
    }
    cursor = idx + 1;
    Sequence& s = running_[idx];
    s.scheduled = false;
    s.computed += e.new_tokens;
    if (s.computed < s.target) continue;  // a prefill chunk that does not finish the prompt
    ++s.generated;
    ++out.tokens_emitted;
    if (s.generated == 1) out.first_token.push_back(s.id);
    if (s.generated >= s.output) {
      out.finished.push_back(s.id);
      free_blocks_ += s.blocks;
      s.blocks = 0;
      s.done = true;
      any_done = true;
    }
  }
  if (any_done) std::erase_if(running_, [](const Sequence& s) { return s.done; });
  return out;
}

std::vector<Rejection> ContinuousBatcher::take_rejections() {
  std::vector<Rejection> out;
  out.swap(rejections_);
  return out;
}

BatcherStats ContinuousBatcher::stats() const {
  return {static_cast<int64_t>(waiting_.size()), static_cast<int64_t>(running_.size()), total_blocks_ - free_blocks_,
          total_blocks_};
}

}  // namespace stratum::policies
