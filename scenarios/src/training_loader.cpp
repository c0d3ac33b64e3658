#include "training_loader.hpp"

#include <string>
#include <vector>

#include "dynamics_loader.hpp"
#include "precision_pb.hpp"
#include "training_software_loader.hpp"
#include "stratum/scenarios/suggest.hpp"

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions: no published limit applies; each is far above any real run).
// Degrees: the loader's own cluster bound, 100,000 nodes of 72 GPUs.
constexpr int64_t kMaxDegree = 7200000;
constexpr int64_t kMaxVirtualStages = 1000;  // the loader's layer bound: one layer per chunk at most
constexpr int64_t kMaxStageLayers = 1000;    // the same layer bound, for one stage's layers
constexpr int64_t kMaxMicroBatch = 65536;    // the loader's bound on sequences in one batch
// 2^24 sequences per step: Llama 3 405B trained with 16 M tokens per step, i.e. 2,048 to 16,384
// sequences (Dubey et al. 2024, section 3.4.1); 1,000x that is still below this bound.
constexpr int64_t kMaxGlobalBatch = int64_t{1} << 24;
constexpr int64_t kMaxSeqNoModel = int64_t{1} << 24;  // when the model is unknown
constexpr int64_t kMaxSteps = 1000000;
constexpr const char* kModelCatalogFile = "scenarios/catalog/models.pbtxt";

std::string q(const std::string& s) { return "\"" + s + "\""; }

// Reads an optional integer field in [lo, hi] into `out` (kept when unset or out of range).
template <typename T>
void read_int(Checker& c, const std::string& path, bool has, int64_t value, int64_t lo, int64_t hi, T& out) {
  if (has && c.int_range(path, value, lo, hi)) out = static_cast<T>(value);
}

void load_layout(const pb::TrainingLayout& m, Checker& c, TrainingSpec& out) {
  const std::string p = "training.layout.";
  read_int(c, p + "dp", m.has_dp(), m.dp(), 1, kMaxDegree, out.dp);
  read_int(c, p + "tp", m.has_tp(), m.tp(), 1, kMaxDegree, out.tp);
  read_int(c, p + "pp", m.has_pp(), m.pp(), 1, kMaxDegree, out.pp);
  read_int(c, p + "cp", m.has_cp(), m.cp(), 1, kMaxDegree, out.cp);
  read_int(c, p + "ep", m.has_ep(), m.ep(), 1, kMaxDegree, out.ep);
  read_int(c, p + "virtual_stages", m.has_virtual_stages(), m.virtual_stages(), 1, kMaxVirtualStages,
           out.virtual_stages);
  read_int(c, p + "zero_stage", m.has_zero_stage(), m.zero_stage(), 0, 3, out.zero_stage);
  out.sequence_parallel = m.sequence_parallel();
  // Layers of one stage: at least 1, at most the loader's layer bound (whether they fit the model
  // is calibration::validate_stage_layers' check, run by sim::check_training).
  read_int(c, p + "first_stage_layers", m.has_first_stage_layers(), m.first_stage_layers(), 1, kMaxStageLayers,
           out.first_stage_layers);
  read_int(c, p + "last_stage_layers", m.has_last_stage_layers(), m.last_stage_layers(), 1, kMaxStageLayers,
           out.last_stage_layers);
  out.account_for_embedding = m.account_for_embedding();
  out.account_for_loss = m.account_for_loss();
  if (m.has_dropout()) out.dropout = m.dropout();
  if (m.has_recompute()) {
    switch (m.recompute()) {
      case pb::NONE: out.recompute = TrainingRecompute::kNone; break;
      case pb::SELECTIVE: out.recompute = TrainingRecompute::kSelective; break;
      case pb::FULL: out.recompute = TrainingRecompute::kFull; break;
    }
  }
  if (m.has_schedule()) {
    switch (m.schedule()) {
      case pb::GPIPE: out.schedule = TrainingSchedule::kGpipe; break;
      case pb::ONE_F_ONE_B: out.schedule = TrainingSchedule::kOneFOneB; break;
      case pb::INTERLEAVED: out.schedule = TrainingSchedule::kInterleaved; break;
    }
  }
  if (m.has_rank_order()) {
    switch (m.rank_order()) {
      case pb::TP_CP_EP_DP_PP: out.rank_order = RankOrder::kTpCpEpDpPp; break;
      case pb::TP_CP_EP_PP_DP: out.rank_order = RankOrder::kTpCpEpPpDp; break;
    }
  }
}

}  // namespace

void load_training(const pb::Scenario& msg, const Catalog& catalog, Checker& c, Scenario& out) {
  const pb::Training& m = msg.training();
  TrainingSpec spec;
  const ModelSpec* model = nullptr;
  if (!m.has_model()) {
    c.missing("training.model", std::string("a model id from ") + kModelCatalogFile);
  } else if ((model = catalog.find_model(m.model())) == nullptr) {
    std::vector<std::string> known;
    for (const ModelSpec& x : catalog.models()) known.push_back(x.id);
    c.error("training.model", "training.model " + q(m.model()) + " is not in " + kModelCatalogFile + "; " +
                                  did_you_mean(m.model(), known) + "expected one of: " + join(known));
  } else if (model->mla() || model->shared_experts > 0 || model->dense_layers > 0) {
    // The training model (calibration/training_*.cpp) counts standard attention and uniform
    // layers only; multi-head latent attention, shared experts and leading dense layers
    // (DeepSeek-V3) are modelled for serving but not yet for training.
    c.error("training.model", "training.model " + q(m.model()) +
                                  " uses multi-head latent attention, shared experts or leading dense layers, which "
                                  "the training model does not cover yet; expected a model with standard attention "
                                  "and uniform layers (Llama, Qwen, Mixtral, GPT)");
    model = nullptr;
  } else {
    spec.model = *model;
  }
  if (m.has_precision()) {
    const Precision p = detail::precision_from_pb(m.precision());
    if (p == Precision::kInt8 || p == Precision::kInt4) {
      // Training keeps weights and gradients in a floating-point format (Megatron-LM: BF16 or
      // FP16, FP8 GEMMs through Transformer Engine).
      c.error("training.precision", "training.precision " + pb::Precision_Name(m.precision()) +
                                        " cannot be trained; expected BF16, FP16 or FP8");
    } else {
      spec.precision = p;
    }
  }
  load_layout(m.layout(), c, spec);
  read_int(c, "training.micro_batch", m.has_micro_batch(), m.micro_batch(), 1, kMaxMicroBatch, spec.micro_batch);
  if (!m.has_global_batch()) {
    c.missing("training.global_batch", "the sequences per optimizer step, a multiple of dp x micro_batch");
  } else {
    read_int(c, "training.global_batch", true, m.global_batch(), 1, kMaxGlobalBatch, spec.global_batch);
  }
  const int64_t max_seq = model != nullptr && model->max_context > 0 ? model->max_context : kMaxSeqNoModel;
  read_int(c, "training.seq_len", m.has_seq_len(), m.seq_len(), 1, max_seq, spec.seq_len);
  if (!m.has_seq_len() && spec.seq_len > max_seq) {
    c.error("training.seq_len", "training.seq_len defaults to " + std::to_string(spec.seq_len) + " but model " +
                                    q(spec.model.id) + " has a max_context of " + std::to_string(max_seq) +
                                    "; expected training.seq_len at most " + std::to_string(max_seq));
  }
  read_int(c, "training.steps", m.has_steps(), m.steps(), 1, kMaxSteps, spec.steps);
  // One layout over the whole cluster: the cost model and memory are those of one GPU kind.
  const auto& nodes = out.cluster.nodes;
  // The links are read from the first node group (sim/src/training_run.cpp), so the groups must
  // also agree on their GPUs per node.
  for (size_t i = 1; i < nodes.size(); ++i) {
    const std::string p = "cluster.nodes[" + std::to_string(i) + "]";
    if (nodes[i].gpu.id != nodes.front().gpu.id) {
      c.error(p + ".gpu", p + ".gpu is " + q(nodes[i].gpu.id) + " but cluster.nodes[0] has " +
                              q(nodes.front().gpu.id) + "; expected the same GPU in every node group of a training cluster");
      break;
    }
    if (nodes[i].gpus_per_node != nodes.front().gpus_per_node) {
      c.error(p + ".gpus_per_node", p + ".gpus_per_node is " + std::to_string(nodes[i].gpus_per_node) +
                                        " but cluster.nodes[0] has " + std::to_string(nodes.front().gpus_per_node) +
                                        "; expected the same gpus_per_node in every node group of a training cluster");
      break;
    }
  }
  load_training_dynamics(m, c, out, spec);  // dynamics_loader.cpp: checkpoint, elastic, duration
  load_training_software(m, c, spec);  // training_software_loader.cpp: training.software
  out.training = std::move(spec);
}

}  // namespace stratum::scenarios::detail
