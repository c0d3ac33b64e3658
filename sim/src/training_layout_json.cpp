#include "training_layout_json.hpp"

namespace stratum::sim {

nlohmann::ordered_json training_layout_json(const calibration::TrainingLayout& l, bool with_batch) {
  nlohmann::ordered_json j{{"dp", l.dp},
                           {"tp", l.tp},
                           {"pp", l.pp},
                           {"cp", l.cp},
                           {"ep", l.ep},
                           {"virtual_stages", l.virtual_stages},
                           {"sequence_parallel", l.sequence_parallel},
                           {"zero_stage", l.zero_stage},
                           {"recompute", calibration::to_string(l.recompute)},
                           {"schedule", calibration::to_string(l.schedule)},
                           {"micro_batch", l.micro_batch}};
  // Only when set, so that results of even splits keep their bytes.
  if (l.account_for_embedding) j["account_for_embedding"] = true;
  if (l.account_for_loss) j["account_for_loss"] = true;
  if (l.first_stage_layers >= 0) j["first_stage_layers"] = l.first_stage_layers;
  if (l.last_stage_layers >= 0) j["last_stage_layers"] = l.last_stage_layers;
  if (l.rank_order != scenarios::RankOrder::kTpCpEpDpPp) j["rank_order"] = scenarios::to_string(l.rank_order);
  if (with_batch) {
    j["global_batch"] = l.global_batch;
    j["seq_len"] = l.seq_len;
  }
  j["micro_batches_per_step"] = l.micro_batches();
  return j;
}

}  // namespace stratum::sim
