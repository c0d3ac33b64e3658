#include "replica_loader.hpp"

#include <algorithm>
#include <string>

#include "stratum/scenarios/suggest.hpp"

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions, far above any real deployment; see loader.cpp's list):
constexpr int64_t kMaxReplicas = 1000000;
// Tensor parallelism across nodes: an assumption, no published limit. 1,024 GPUs per stage is over
// 3x the largest inference deployment unit described (DeepSeek-V3 decodes on 320-GPU units, tech
// report section 3.4) and 14x a GB200 NVL72 NVLink domain.
constexpr int64_t kMaxTensorParallel = 1024;
constexpr int64_t kMaxLayers = 1000;  // pipeline bound when the model is unknown

std::string q(const std::string& s) { return "\"" + s + "\""; }
bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

class ReplicaReader {
 public:
  ReplicaReader(const ClusterSpec& cluster, int64_t total_gpus, Checker& c)
      : cluster_(cluster), total_gpus_(total_gpus), c_(c) {}

  void read(const pb::Serving& s, const ModelSpec* model, std::vector<ReplicaSpec>& out) {
    if (s.replica_size() == 0) return;  // the default group: one instance of one GPU
    out.clear();
    bool ok = true;
    for (int i = 0; i < s.replica_size(); ++i) {
      ReplicaSpec r;
      ok = replica(s.replica(i), "serving.replica[" + std::to_string(i) + "]", model, r) && ok;
      out.push_back(std::move(r));
    }
    if (ok) roles(out);
    if (ok && (total_gpus_ >= 0)) replicas_fit(out);
  }

  // Parses one replica group; false when a field is invalid (later whole-group checks are skipped).
  bool replica(const pb::Replica& m, const std::string& p, const ModelSpec* model, ReplicaSpec& r) {
    bool ok = true;
    if (m.has_nodes()) {
      std::vector<std::string> ids;
      for (const NodeGroup& g : cluster_.nodes) ids.push_back(g.id);
      if (std::find(ids.begin(), ids.end(), m.nodes()) == ids.end()) {
        c_.error(p + ".nodes", p + ".nodes " + q(m.nodes()) + " is not a cluster node group; " +
                                   did_you_mean(m.nodes(), ids) + "expected one of: " + join(ids));
        ok = false;
      }
      r.nodes = m.nodes();
    }
    if (m.has_tensor_parallel()) {
      const int64_t tp = m.tensor_parallel();
      if (!is_power_of_two(tp) || tp > kMaxTensorParallel) {
        c_.error(p + ".tensor_parallel", p + ".tensor_parallel is " + std::to_string(tp) +
                                             "; expected a power of two from 1 to " + std::to_string(kMaxTensorParallel));
        ok = false;
      } else {
        r.tensor_parallel = static_cast<int>(tp);
      }
    }
    // vLLM splits attention heads evenly across tensor-parallel ranks and refuses otherwise
    // (vllm/config.py ModelConfig.verify_with_parallel_config: "Total number of attention heads
    // must be divisible by tensor parallel size").
    if (ok && model != nullptr && model->heads % r.tensor_parallel != 0) {
      c_.error(p + ".tensor_parallel", p + ".tensor_parallel " + std::to_string(r.tensor_parallel) +
                                           " does not divide the " + std::to_string(model->heads) +
                                           " attention heads of " + model->id + "; expected a power of two dividing " +
                                           std::to_string(model->heads));
      ok = false;
    }
    if (m.has_pipeline_parallel()) {
      // vLLM assigns each stage a contiguous range of layers (get_pp_indices) and needs at least
      // one layer per stage.
      const int64_t layers = model != nullptr ? model->layers : kMaxLayers;
      if (c_.int_range(p + ".pipeline_parallel", m.pipeline_parallel(), 1, layers)) {
        r.pipeline_parallel = static_cast<int>(m.pipeline_parallel());
      } else {
        ok = false;
      }
    }
    if (m.has_expert_parallel()) {
      const int64_t ep = m.expert_parallel();
      if (model != nullptr && model->experts == 0 && ep != 1) {
        c_.error(p + ".expert_parallel", p + ".expert_parallel is " + std::to_string(ep) + " but " + model->id +
                                             " is a dense model; expected 1, or a mixture-of-experts model");
        ok = false;
      } else if (ep < 1 || ep > r.tensor_parallel || r.tensor_parallel % ep != 0 ||
                 (model != nullptr && model->experts > 0 && model->experts % ep != 0)) {
        c_.error(p + ".expert_parallel",
                 p + ".expert_parallel is " + std::to_string(ep) + "; expected a divisor of tensor_parallel " +
                     std::to_string(r.tensor_parallel) +
                     (model != nullptr && model->experts > 0
                          ? " and of the " + std::to_string(model->experts) + " experts of " + model->id
                          : std::string()));
        ok = false;
      } else {
        r.expert_parallel = static_cast<int>(ep);
      }
    }
    if (m.has_role()) {
      switch (m.role()) {
        case pb::COLOCATED: r.role = ReplicaRole::kColocated; break;
        case pb::PREFILL_ONLY: r.role = ReplicaRole::kPrefill; break;
        case pb::DECODE_ONLY: r.role = ReplicaRole::kDecode; break;
      }
    }
    if (m.has_count()) {
      if (c_.int_range(p + ".count", m.count(), 1, kMaxReplicas)) {
        r.count = static_cast<int>(m.count());
      } else {
        ok = false;
      }
    }
    return ok;
  }

  // Disaggregation needs both pools, and co-located instances beside them would take requests
  // neither pool sees: all groups co-located, or PREFILL_ONLY and DECODE_ONLY groups only.
  void roles(const std::vector<ReplicaSpec>& groups) {
    int prefill = -1, decode = -1, colocated = -1;
    for (size_t i = 0; i < groups.size(); ++i) {
      int& first = groups[i].role == ReplicaRole::kPrefill  ? prefill
                   : groups[i].role == ReplicaRole::kDecode ? decode
                                                             : colocated;
      if (first < 0) first = static_cast<int>(i);
    }
    const auto at = [](int i) { return "serving.replica[" + std::to_string(i) + "]"; };
    if (prefill >= 0 && decode < 0) {
      c_.error(at(prefill) + ".role", at(prefill) + " is a PREFILL_ONLY pool but no replica group decodes; expected a "
                                                    "replica { role: DECODE_ONLY count: ... } with at least one GPU");
    } else if (decode >= 0 && prefill < 0) {
      c_.error(at(decode) + ".role", at(decode) + " is a DECODE_ONLY pool but no replica group prefills; expected a "
                                                  "replica { role: PREFILL_ONLY count: ... } with at least one GPU");
    } else if (colocated >= 0 && prefill >= 0) {
      c_.error(at(colocated) + ".role", at(colocated) + " is COLOCATED beside PREFILL_ONLY and DECODE_ONLY pools; "
                                                        "expected every group COLOCATED, or only PREFILL_ONLY and "
                                                        "DECODE_ONLY groups");
    }
  }

  // The GPUs the groups ask for, against the GPUs they may use (placement inside nodes is checked
  // with the cluster's layout by sim::check_serving).
  void replicas_fit(const std::vector<ReplicaSpec>& groups) {
    int64_t asked = 0;
    for (size_t i = 0; i < groups.size(); ++i) {
      const ReplicaSpec& r = groups[i];
      const std::string p = "serving.replica[" + std::to_string(i) + "]";
      int64_t available = 0;
      for (const NodeGroup& g : cluster_.nodes) {
        if (r.nodes.empty() || r.nodes == g.id) available += static_cast<int64_t>(g.count) * g.gpus_per_node;
      }
      const int64_t gpus = static_cast<int64_t>(r.count) * r.gpus();
      asked += gpus;
      if (gpus > available) {
        c_.error(p + ".count", p + ".count is " + std::to_string(r.count) + " instances of " +
                                   std::to_string(r.gpus()) + " GPUs (" + std::to_string(gpus) + " GPUs); expected at most " +
                                   std::to_string(available / r.gpus()) + ", as many as fit in the " +
                                   std::to_string(available) + " GPUs of " +
                                   (r.nodes.empty() ? std::string("the cluster") : "node group " + q(r.nodes)));
        return;
      }
    }
    if (asked > total_gpus_) {
      c_.error("serving.replica", "the replica groups need " + std::to_string(asked) + " GPUs together; expected at most "
                                  "the cluster's " + std::to_string(total_gpus_));
    }
  }
 private:
  const ClusterSpec& cluster_;
  int64_t total_gpus_;
  Checker& c_;
};

}  // namespace

void load_replicas(const pb::Serving& msg, const ModelSpec* model, const ClusterSpec& cluster, int64_t total_gpus,
                   Checker& c, std::vector<ReplicaSpec>& out) {
  ReplicaReader(cluster, total_gpus, c).read(msg, model, out);
}

}  // namespace stratum::scenarios::detail
