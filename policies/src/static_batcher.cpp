#include "stratum/policies/static_batcher.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "request_checks.hpp"

namespace stratum::policies {

StaticBatcher::StaticBatcher(const scenarios::SchedulerSpec& spec, int64_t kv_blocks, int64_t max_model_len)
    : batch_size_(spec.static_batch_size),
      timeout_s_(spec.static_batch_timeout_s),
      max_batched_tokens_(spec.max_batched_tokens),
      block_size_(spec.block_size_tokens),
      max_model_len_(max_model_len),
      total_blocks_(std::max<int64_t>(0, kv_blocks)) {
  if (batch_size_ < 1 || max_batched_tokens_ < 1 || block_size_ < 1 || timeout_s_ < 0) {
    throw std::invalid_argument(
        "static batcher needs static_batch_size, max_batched_tokens, block_size_tokens >= 1 and a timeout >= 0");
  }
  batch_.reserve(static_cast<size_t>(batch_size_));
}

void StaticBatcher::reject(uint64_t id, std::string reason) { rejections_.push_back({id, std::move(reason)}); }

bool StaticBatcher::enqueue(const SequenceRequest& r) {
  // Static batching runs whole requests; the loader rejects it with prefill-decode roles.
  if (r.prefill_only || r.prefilled_tokens > 0) {
    throw std::invalid_argument("static batching cannot serve a disaggregated (prefill_only or prefilled) sequence");
  }
  if (std::string why = length_rejection(r, max_model_len_); !why.empty()) {
    reject(r.id, std::move(why));
    return false;
  }
  const std::string tokens = describe_tokens(r);
  const int64_t total = r.prompt_tokens + r.output_tokens;
  if (r.prompt_tokens > max_batched_tokens_) {
    reject(r.id, "prompt of " + std::to_string(r.prompt_tokens) + " tokens exceeds max_batched_tokens " +
                     std::to_string(max_batched_tokens_));
    return false;
  }
  if (blocks_for(total) > total_blocks_) {
    reject(r.id, tokens + " need " + std::to_string(blocks_for(total)) + " KV blocks of " +
                     std::to_string(block_size_) + " tokens; the cache has " + std::to_string(total_blocks_));
    return false;
  }
  waiting_.push_back(r);
  waiting_prompt_tokens_ += r.prompt_tokens;
  return true;
}

void StaticBatcher::form_batch() {
  longest_prompt_ = 0;
  longest_output_ = 0;
  while (!waiting_.empty() && std::ssize(batch_) < batch_size_) {
    const SequenceRequest& r = waiting_.front();
    const int64_t prompt = std::max(longest_prompt_, r.prompt_tokens);
    const int64_t output = std::max(longest_output_, r.output_tokens);
    const int64_t slots = std::ssize(batch_) + 1;
    // FasterTransformer allocates every slot's KV cache for the padded length (longest prompt +
    // longest output of the batch) up front, and attention runs over that padded context.
    const int64_t blocks = slots * blocks_for(prompt + output);
    // Enqueue guaranteed that the first request fits alone.
    if (!batch_.empty() && (blocks > total_blocks_ || slots * prompt > max_batched_tokens_)) break;
    reserved_blocks_ = blocks;
    longest_prompt_ = prompt;
    longest_output_ = output;
    batch_.push_back(r);
    waiting_prompt_tokens_ -= r.prompt_tokens;
    waiting_.pop_front();
  }
  step_ = 0;
}

const Batch& StaticBatcher::next_batch(double now_s) {
  for (SequenceRequest& r : waiting_) {
    if (r.arrival_s < 0) r.arrival_s = now_s;
  }
  Batch& batch = plan_;
  batch.clear();
  if (batch_.empty()) {
    if (waiting_.empty()) return batch;
    const bool full = std::ssize(waiting_) >= batch_size_;
    const bool timed_out = now_s >= waiting_.front().arrival_s + timeout_s_;
    if (!full && !timed_out) return batch;
    form_batch();
  }
  const auto slots = static_cast<int64_t>(batch_.size());
  if (step_ == 0) {
    for (const SequenceRequest& r : batch_) batch.entries.push_back({r.id, longest_prompt_, 0, true});
    batch.prefill_tokens = slots * longest_prompt_;
  } else {
    for (const SequenceRequest& r : batch_) batch.entries.push_back({r.id, 1, longest_prompt_ + step_ - 1, false});
    batch.decode_tokens = slots;
  }
  return batch;
}

const IterationOutcome& StaticBatcher::complete(const Batch& batch) {
  IterationOutcome& out = outcome_;
  out.clear();
  if (batch.empty() || batch_.empty()) return out;
  // Only real tokens count: a slot whose request already produced all its output is padding.
  for (const SequenceRequest& r : batch_) {
    if (step_ == 0) {
      out.first_token.push_back(r.id);
      ++out.tokens_emitted;
    } else if (r.output_tokens > step_) {
      ++out.tokens_emitted;
    }
  }
  ++step_;
  if (step_ >= longest_output_) {
    for (const SequenceRequest& r : batch_) out.finished.push_back(r.id);
    batch_.clear();
    reserved_blocks_ = 0;
    step_ = 0;
  }
  return out;
}

std::vector<Rejection> StaticBatcher::take_rejections() {
  std::vector<Rejection> out;
  out.swap(rejections_);
  return out;
}

double StaticBatcher::next_wakeup_s() const {
  if (!batch_.empty() || waiting_.empty() || waiting_.front().arrival_s < 0) return -1;
  return waiting_.front().arrival_s + timeout_s_;
}

BatcherStats StaticBatcher::stats() const {
  return {static_cast<int64_t>(waiting_.size()), static_cast<int64_t>(batch_.size()), reserved_blocks_, total_blocks_};
}

int64_t StaticBatcher::queued_prefill_tokens(int /*min_priority*/) const {
  // The running batch's padded prefill, until it has run, plus every waiting prompt.
  const int64_t running = !batch_.empty() && step_ == 0 ? std::ssize(batch_) * longest_prompt_ : 0;
  return running + waiting_prompt_tokens_;
}

}  // namespace stratum::policies
