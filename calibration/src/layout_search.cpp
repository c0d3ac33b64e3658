#include "stratum/calibration/layout_search.hpp"

#include <algorithm>
#include <utility>

namespace stratum::calibration {

LayoutEnumeration enumerate_layouts(const scenarios::ModelSpec& model, const LayoutSpace& space) {
  LayoutEnumeration out;
  if (space.gpus < 1 || space.gpus_per_node < 1) return out;
  static constexpr Recompute kRecompute[] = {Recompute::kNone, Recompute::kSelective, Recompute::kFull};
  static constexpr int64_t kMicroBatches[] = {1, 2, 4, 8};
  // (schedule, virtual stages): 1F1B, then interleaved 1F1B with 2, 4 and 8 model chunks per stage
  // (8: Llama 3 405B's 16 x 8 chunks, scenarios/examples/llama3_405b_16k_h100.pbtxt).
  static constexpr std::pair<PipelineSchedule, int> kSchedules[] = {{PipelineSchedule::kOneFOneB, 1},
                                                                    {PipelineSchedule::kInterleaved, 2},
                                                                    {PipelineSchedule::kInterleaved, 4},
                                                                    {PipelineSchedule::kInterleaved, 8}};
  const int64_t layers = std::max<int64_t>(1, model.layers);
  for (int64_t tp = 1; tp <= space.gpus_per_node && tp <= space.gpus; tp *= 2) {
    if (space.gpus % tp != 0) continue;
    for (int64_t pp = 1; pp <= layers && pp <= space.gpus / tp; ++pp) {
      // The even split needs pp to divide the layers; the split that counts the embedding and the
      // loss as layers (calibration/stage_layers.hpp) needs it to divide layers + 2.
      const bool even_split = layers % pp == 0;
      const bool counted_split = pp >= 2 && (layers + 2) % pp == 0;
      if ((!even_split && !counted_split) || (space.gpus / tp) % pp != 0) continue;
      for (int64_t cp = 1; cp <= space.max_cp && cp <= space.gpus / (tp * pp); cp *= 2) {
        if (cp > 1 && space.seq_len % (2 * cp) != 0) continue;
        if ((space.gpus / (tp * pp)) % cp != 0) continue;
        const int64_t dp = space.gpus / (tp * pp * cp);
        const int64_t max_ep = model.experts > 0 ? model.experts : 1;
        for (int64_t ep = 1; ep <= max_ep; ep *= 2) {
          if (max_ep % ep != 0) continue;
          for (const auto& [schedule, virtual_stages] : kSchedules) {
            if (schedule == PipelineSchedule::kInterleaved && pp < 2) continue;
            for (const bool counted : {false, true}) {
              if (counted ? !counted_split : !even_split) continue;
              for (int64_t mb : kMicroBatches) {
                for (int sp = 0; sp <= (tp > 1 ? 1 : 0); ++sp) {
                  for (int zero = 0; zero <= 3; ++zero) {
                    for (Recompute rc : kRecompute) {
                      ++out.candidates;
                      TrainingLayout l;
                      l.dp = static_cast<int>(dp);
                      l.tp = static_cast<int>(tp);
                      l.pp = static_cast<int>(pp);
                      l.cp = static_cast<int>(cp);
                      l.ep = static_cast<int>(ep);
                      l.virtual_stages = virtual_stages;
                      l.micro_batch = mb;
                      l.global_batch = space.global_batch;
                      l.seq_len = space.seq_len;
                      l.sequence_parallel = sp == 1;
                      l.zero_stage = zero;
                      l.recompute = rc;
                      l.schedule = schedule;
                      l.precision = space.precision;
                      l.account_for_embedding = l.account_for_loss = counted;
                      l.rank_order = space.rank_order;
                      if (validate_layout(l, model, space.gpus).empty()) out.layouts.push_back(l);
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

}  // namespace stratum::calibration
