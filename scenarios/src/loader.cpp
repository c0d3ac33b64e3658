#include "stratum/scenarios/loader.hpp"

#include <filesystem>
#include <set>

#include "checker.hpp"
#include "overrides.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/suggest.hpp"
#include "stratum/scenarios/trace.hpp"
#include "text_parse.hpp"

namespace stratum::scenarios {
namespace {

using detail::Checker;

// Sanity bounds: beyond them a value is almost surely a typo or a unit slip. They are
// assumptions (no published limit applies), each far above any real deployment:
constexpr int64_t kMaxNodes = 100000;           // 800k GPUs at 8 per node; Llama 3 used 16,384 GPUs
constexpr int64_t kMaxGpusPerNode = 72;         // GB200 NVL72: 72 GPUs in one NVLink domain (NVIDIA GB200 NVL72 datasheet)
constexpr int64_t kMaxReplicas = 1000000;
constexpr int64_t kMaxBatch = 65536;            // sequences or requests in one batch
constexpr int64_t kMaxBatchedTokens = 1 << 24;  // tokens in one iteration
constexpr int64_t kMaxRequests = 1000000000;
constexpr int64_t kMaxTokensNoModel = 1 << 30;  // length bound when the model is unknown
constexpr double kMaxBandwidth = 1e15;          // 1 PB/s, over 500x NVLink 5's 1.8 TB/s per GPU (NVIDIA GB200 datasheet)
constexpr double kMaxLatency = 1.0;             // one intra-node transfer
constexpr double kMaxTime = 366.0 * 86400;      // one year of simulated time; Llama 3 pre-training took 54 days
constexpr double kMaxRate = 1e6;                // requests per second
constexpr double kMaxTimeScale = 1e6;
constexpr double kMaxCv = 100;

// Per-hop latencies NCCL assumes for the Simple protocol on a ring (NVIDIA NCCL
// src/graph/tuning.cc, hwLat: NVLink 3.4 us, PCI 5.7 us). They are NCCL's tuning constants, not
// measurements; calibration (issue 5) replaces them.
constexpr double kNvlinkLatency = 3.4e-6;
constexpr double kPcieLatency = 5.7e-6;

// vLLM's --block-size choices for CUDA (vllm/engine/arg_utils.py, [8, 16, 32]).
constexpr int64_t kBlockSizes[] = {8, 16, 32};

constexpr const char* kGpuCatalogFile = "scenarios/catalog/gpus.pbtxt";
constexpr const char* kModelCatalogFile = "scenarios/catalog/models.pbtxt";

std::string q(const std::string& s) { return "\"" + s + "\""; }

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

class Builder {
 public:
  Builder(const pb::Scenario& msg, const Catalog& catalog, Scenario& out, Diagnostics& diags)
      : msg_(msg), catalog_(catalog), out_(out), c_(out.locations, out.file, diags) {}

  void run() {
    out_.name = msg_.has_name() ? msg_.name() : std::filesystem::path(out_.file).stem().string();
    out_.seed = msg_.has_seed() ? msg_.seed() : 1;
    cluster();
    if (!msg_.has_serving()) {
      c_.missing("serving", "serving { model: ... workload { ... } }");
    } else {
      serving();
    }
    output();
  }

 private:
  void cluster() {
    if (!msg_.has_cluster()) {
      c_.missing("cluster", "cluster { nodes { id: ... gpu: ... gpus_per_node: ... } }");
      return;
    }
    const pb::Cluster& cl = msg_.cluster();
    if (cl.nodes_size() == 0) c_.missing("cluster.nodes", "at least one nodes { ... } group");
    std::set<std::string> ids;
    cluster_ok_ = cl.nodes_size() > 0;
    for (int i = 0; i < cl.nodes_size(); ++i) {
      const pb::NodeGroup& n = cl.nodes(i);
      const std::string p = "cluster.nodes[" + std::to_string(i) + "]";
      NodeGroup g;
      const size_t errors_before = c_.diags().errors().size();
      if (!n.has_id() || n.id().empty()) {
        c_.missing(p + ".id", "a group name such as \"dgx\"");
      } else if (!ids.insert(n.id()).second) {
        c_.error(p + ".id", p + ".id " + q(n.id()) + " repeats an earlier group; expected unique ids");
      }
      g.id = n.id();
      if (n.has_count() && c_.int_range(p + ".count", n.count(), 1, kMaxNodes)) g.count = static_cast<int>(n.count());
      const GpuSpec* gpu = nullptr;
      if (!n.has_gpu()) {
        c_.missing(p + ".gpu", std::string("a GPU id from ") + kGpuCatalogFile);
      } else if ((gpu = catalog_.find_gpu(n.gpu())) == nullptr) {
        std::vector<std::string> ids_known;
        for (const GpuSpec& s : catalog_.gpus()) ids_known.push_back(s.id);
        c_.error(p + ".gpu", p + ".gpu " + q(n.gpu()) + " is not in " + kGpuCatalogFile + "; " +
                                 did_you_mean(n.gpu(), ids_known) + "expected one of: " + join(ids_known));
      } else {
        g.gpu = *gpu;
      }
      if (!n.has_gpus_per_node()) {
        c_.missing(p + ".gpus_per_node", "an integer from 1 to " + std::to_string(kMaxGpusPerNode));
      } else if (c_.int_range(p + ".gpus_per_node", n.gpus_per_node(), 1, kMaxGpusPerNode)) {
        g.gpus_per_node = static_cast<int>(n.gpus_per_node());
        max_gpus_per_node_ = std::max<int64_t>(max_gpus_per_node_, g.gpus_per_node);
      }
      if (n.has_intra()) {
        g.intra = n.intra() == pb::NVSWITCH ? IntraConnect::kNvswitch : IntraConnect::kPcie;
      } else {
        g.intra = gpu != nullptr && gpu->nvlink_bandwidth > 0 ? IntraConnect::kNvswitch : IntraConnect::kPcie;
      }
      if (gpu != nullptr && g.intra == IntraConnect::kNvswitch && gpu->nvlink_bandwidth <= 0) {
        c_.error(p + ".intra", p + ".intra is NVSWITCH but " + gpu->id + " has no NVLink; expected PCIE");
      }
      if (n.has_intra_bandwidth()) {
        c_.quantity_range(p + ".intra_bandwidth", n.intra_bandwidth(), Quantity::kBandwidth, g.intra_bandwidth, 0, true,
                          kMaxBandwidth, "greater than 0 and at most 1000 TB/s");
      } else if (gpu != nullptr) {
        g.intra_bandwidth = g.intra == IntraConnect::kNvswitch ? gpu->nvlink_bandwidth : gpu->pcie_bandwidth;
      }
      if (n.has_intra_latency()) {
        c_.quantity_range(p + ".intra_latency", n.intra_latency(), Quantity::kTime, g.intra_latency, 0, false,
                          kMaxLatency, "from 0 to 1 s");
      } else {
        g.intra_latency = g.intra == IntraConnect::kNvswitch ? kNvlinkLatency : kPcieLatency;
      }
      if (c_.diags().errors().size() != errors_before) cluster_ok_ = false;
      out_.cluster.nodes.push_back(std::move(g));
    }
  }

  void serving() {
    const pb::Serving& s = msg_.serving();
    ServingSpec spec;
    const ModelSpec* model = nullptr;
    if (!s.has_model()) {
      c_.missing("serving.model", std::string("a model id from ") + kModelCatalogFile);
    } else if ((model = catalog_.find_model(s.model())) == nullptr) {
      std::vector<std::string> known;
      for (const ModelSpec& m : catalog_.models()) known.push_back(m.id);
      c_.error("serving.model", "serving.model " + q(s.model()) + " is not in " + kModelCatalogFile + "; " +
                                    did_you_mean(s.model(), known) + "expected one of: " + join(known));
    } else {
      spec.model = *model;
    }
    if (s.has_precision()) {
      switch (s.precision()) {
        case pb::BF16: spec.precision = Precision::kBf16; break;
        case pb::FP16: spec.precision = Precision::kFp16; break;
        case pb::FP8: spec.precision = Precision::kFp8; break;
        case pb::INT8: spec.precision = Precision::kInt8; break;
        case pb::INT4: spec.precision = Precision::kInt4; break;
      }
    }
    replica(s, model, spec.replica);
    scheduler(s, spec.scheduler);
    if (!s.has_workload()) {
      c_.missing("serving.workload", "workload { trace { ... } } or poisson, gamma, fixed_rate");
    } else {
      workload(s.workload(), model, spec.workload);
    }
    slo(s, spec.slo);
    out_.serving = std::move(spec);
  }

  void replica(const pb::Serving& s, const ModelSpec* model, ReplicaSpec& r) {
    const pb::Replica& m = s.replica();
    bool tp_ok = true;
    if (m.has_tensor_parallel()) {
      const int64_t tp = m.tensor_parallel();
      // The largest valid gpus_per_node bounds it; with none valid, only the schema's bound.
      const int64_t hi = max_gpus_per_node_ > 0 ? max_gpus_per_node_ : kMaxGpusPerNode;
      if (!is_power_of_two(tp) || tp > hi) {
        c_.error("serving.replica.tensor_parallel",
                 "serving.replica.tensor_parallel is " + std::to_string(tp) + "; expected a power of two from 1 to " +
                     std::to_string(hi) + (max_gpus_per_node_ > 0 ? " (gpus_per_node)" : ""));
        tp_ok = false;
      } else {
        r.tensor_parallel = static_cast<int>(tp);
      }
    }
    // vLLM splits attention heads evenly across tensor-parallel ranks and refuses otherwise
    // (vllm/config.py ModelConfig.verify_with_parallel_config: "Total number of attention heads
    // must be divisible by tensor parallel size").
    if (tp_ok && model != nullptr && model->heads % r.tensor_parallel != 0) {
      c_.error("serving.replica.tensor_parallel",
               "serving.replica.tensor_parallel " + std::to_string(r.tensor_parallel) + " does not divide the " +
                   std::to_string(model->heads) + " attention heads of " + model->id +
                   "; expected a power of two dividing " + std::to_string(model->heads));
      tp_ok = false;
    }
    if (m.has_count() && !c_.int_range("serving.replica.count", m.count(), 1, kMaxReplicas)) return;
    if (m.has_count()) r.count = static_cast<int>(m.count());
    if (!tp_ok || !cluster_ok_) return;
    // Each instance lives inside one node (tensor parallelism over NVLink or PCIe).
    int64_t fit = 0, gpus = 0;
    for (const NodeGroup& g : out_.cluster.nodes) {
      fit += static_cast<int64_t>(g.count) * (g.gpus_per_node / r.tensor_parallel);
      gpus += static_cast<int64_t>(g.count) * g.gpus_per_node;
    }
    if (r.count > fit) {
      c_.error("serving.replica.count",
               "serving.replica.count is " + std::to_string(r.count) + " instances of " +
                   std::to_string(r.tensor_parallel) + " GPUs (" +
                   std::to_string(static_cast<int64_t>(r.count) * r.tensor_parallel) + " GPUs); expected at most " +
                   std::to_string(fit) + ", as many as fit in the cluster's " + std::to_string(gpus) + " GPUs");
    }
  }

  void scheduler(const pb::Serving& s, SchedulerSpec& out) {
    const pb::Scheduler& m = s.scheduler();
    if (m.has_static_()) {
      const pb::Static& st = m.static_();
      out.kind = SchedulerKind::kStatic;
      const std::string p = "serving.scheduler.static";
      if (st.has_batch_size() && c_.int_range(p + ".batch_size", st.batch_size(), 1, kMaxBatch)) {
        out.static_batch_size = static_cast<int>(st.batch_size());
      }
      if (st.has_timeout()) {
        c_.quantity_range(p + ".timeout", st.timeout(), Quantity::kTime, out.static_batch_timeout_s, 0, false, 3600,
                          "from 0 to 1 h");
      }
      return;
    }
    out.kind = SchedulerKind::kContinuous;
    const pb::Continuous& ct = m.continuous();
    const std::string p = "serving.scheduler.continuous";
    if (ct.has_max_num_seqs() && c_.int_range(p + ".max_num_seqs", ct.max_num_seqs(), 1, kMaxBatch)) {
      out.max_num_seqs = static_cast<int>(ct.max_num_seqs());
    }
    if (ct.has_max_batched_tokens() &&
        c_.int_range(p + ".max_batched_tokens", ct.max_batched_tokens(), 1, kMaxBatchedTokens)) {
      out.max_batched_tokens = ct.max_batched_tokens();
    }
    // vLLM requires room for one token per sequence in an iteration (vllm/config.py
    // SchedulerConfig._verify_args: max_num_batched_tokens >= max_num_seqs).
    if (out.max_batched_tokens < out.max_num_seqs) {
      c_.error(p + ".max_batched_tokens", p + ".max_batched_tokens " + std::to_string(out.max_batched_tokens) +
                                              " is below max_num_seqs " + std::to_string(out.max_num_seqs) +
                                              "; expected at least max_num_seqs");
    }
    out.chunked_prefill = ct.chunked_prefill();
    if (ct.has_block_size()) {
      const int64_t b = ct.block_size();
      if (b != kBlockSizes[0] && b != kBlockSizes[1] && b != kBlockSizes[2]) {
        c_.error(p + ".block_size", p + ".block_size is " + std::to_string(b) + "; expected 8, 16 or 32");
      } else {
        out.block_size_tokens = static_cast<int>(b);
      }
    }
    if (ct.has_gpu_memory_utilization() &&
        c_.real_range(p + ".gpu_memory_utilization", ct.gpu_memory_utilization(), 0, true, 1,
                      "in (0, 1]")) {
      out.gpu_memory_utilization = ct.gpu_memory_utilization();
    }
  }

  void length(const std::string& p, const pb::Workload& w, bool input, int64_t max_tokens, LengthDistribution& out) {
    const bool present = input ? w.has_input() : w.has_output();
    if (!present) {
      c_.missing(p, "a length distribution: fixed, uniform or lognormal");
      return;
    }
    const pb::Length& l = input ? w.input() : w.output();
    switch (l.distribution_case()) {
      case pb::Length::kFixed:
        out.kind = LengthKind::kFixed;
        if (c_.int_range(p + ".fixed", l.fixed(), 1, max_tokens)) out.value = l.fixed();
        break;
      case pb::Length::kUniform: {
        out.kind = LengthKind::kUniform;
        const pb::Uniform& u = l.uniform();
        bool ok = true;
        if (!u.has_min()) c_.missing(p + ".uniform.min", "an integer from 1 to " + std::to_string(max_tokens));
        if (!u.has_max()) c_.missing(p + ".uniform.max", "an integer from min to " + std::to_string(max_tokens));
        if (!u.has_min() || !u.has_max()) break;
        ok = c_.int_range(p + ".uniform.min", u.min(), 1, max_tokens);
        if (ok) ok = c_.int_range(p + ".uniform.max", u.max(), u.min(), max_tokens);
        if (ok) {
          out.min = u.min();
          out.max = u.max();
        }
        break;
      }
      case pb::Length::kLognormal: {
        out.kind = LengthKind::kLognormal;
        const pb::Lognormal& g = l.lognormal();
        if (!g.has_mean()) {
          c_.missing(p + ".lognormal.mean", "a number greater than 0");
        } else if (c_.real_range(p + ".lognormal.mean", g.mean(), 0, true, static_cast<double>(max_tokens),
                                 "greater than 0 and at most " + std::to_string(max_tokens))) {
          out.mean = g.mean();
        }
        if (!g.has_stddev()) {
          c_.missing(p + ".lognormal.stddev", "a number greater than 0");
        } else if (c_.real_range(p + ".lognormal.stddev", g.stddev(), 0, true, static_cast<double>(max_tokens),
                                 "greater than 0 and at most " + std::to_string(max_tokens))) {
          out.stddev = g.stddev();
        }
        out.min = 1;
        out.max = max_tokens;
        if (g.has_min() && c_.int_range(p + ".lognormal.min", g.min(), 1, max_tokens)) out.min = g.min();
        if (g.has_max() && c_.int_range(p + ".lognormal.max", g.max(), out.min, max_tokens)) out.max = g.max();
        break;
      }
      case pb::Length::DISTRIBUTION_NOT_SET:
        c_.missing(p, "one of: fixed, uniform, lognormal");
        break;
    }
  }

  void rate(const std::string& p, bool present, const std::string& text, double& out) {
    if (!present) {
      c_.missing(p, "a rate such as \"5 /s\" (units: " + std::string(expected_units(Quantity::kRate)) + ")");
      return;
    }
    c_.quantity_range(p, text, Quantity::kRate, out, 0, true, kMaxRate, "greater than 0 and at most 1000000 /s");
  }

  void workload(const pb::Workload& w, const ModelSpec* model, WorkloadSpec& out) {
    const std::string p = "serving.workload";
    const int64_t max_tokens = model != nullptr ? model->max_context : kMaxTokensNoModel;
    bool synthetic = true;
    switch (w.arrivals_case()) {
      case pb::Workload::kTrace:
        synthetic = false;
        out.kind = WorkloadKind::kTrace;
        trace(w.trace(), out);
        break;
      case pb::Workload::kPoisson:
        out.kind = WorkloadKind::kPoisson;
        rate(p + ".poisson.rate", w.poisson().has_rate(), w.poisson().rate(), out.rate_per_s);
        break;
      case pb::Workload::kGamma:
        out.kind = WorkloadKind::kGamma;
        rate(p + ".gamma.rate", w.gamma().has_rate(), w.gamma().rate(), out.rate_per_s);
        if (!w.gamma().has_cv()) {
          c_.missing(p + ".gamma.cv", "a coefficient of variation greater than 0 (1 = Poisson)");
        } else if (c_.real_range(p + ".gamma.cv", w.gamma().cv(), 0, true, kMaxCv, "greater than 0 and at most 100")) {
          out.cv = w.gamma().cv();
        }
        break;
      case pb::Workload::kFixedRate:
        out.kind = WorkloadKind::kFixedRate;
        rate(p + ".fixed_rate.rate", w.fixed_rate().has_rate(), w.fixed_rate().rate(), out.rate_per_s);
        break;
      case pb::Workload::ARRIVALS_NOT_SET:
        c_.error(p, p + " has no arrival process; expected one of: trace, poisson, gamma, fixed_rate");
        return;
    }
    if (synthetic) {
      length(p + ".input", w, true, max_tokens, out.input);
      length(p + ".output", w, false, max_tokens, out.output);
      if (!w.has_max_requests() && !w.has_duration()) {
        c_.error(p, p + " has synthetic arrivals without an end; expected max_requests or duration");
      }
    } else {
      out.input.kind = LengthKind::kFromTrace;
      out.output.kind = LengthKind::kFromTrace;
      for (const char* f : {"input", "output"}) {
        const bool set = f[0] == 'i' ? w.has_input() : w.has_output();
        if (set) {
          c_.error(p + "." + f, p + "." + f + " is set for a trace workload; expected lengths from the trace (remove " +
                                    f + ")");
        }
      }
    }
    if (w.has_max_requests() && c_.int_range(p + ".max_requests", w.max_requests(), 0, kMaxRequests)) {
      out.max_requests = w.max_requests();
    }
    if (w.has_duration()) {
      c_.quantity_range(p + ".duration", w.duration(), Quantity::kTime, out.duration_s, 0, false, kMaxTime,
                        "from 0 to 366 days");
    }
  }

  void trace(const pb::Trace& t, WorkloadSpec& out) {
    const std::string p = "serving.workload.trace";
    if (t.has_time_scale() &&
        c_.real_range(p + ".time_scale", t.time_scale(), 0, true, kMaxTimeScale, "greater than 0 and at most 1e6")) {
      out.time_scale = t.time_scale();
    }
    if (!t.has_path() || t.path().empty()) {
      c_.missing(p + ".path", "a trace file relative to the scenario file");
      return;
    }
    // Relative paths resolve against the scenario file's directory, so a scenario runs the same
    // from any working directory.
    std::filesystem::path path(t.path());
    if (path.is_relative()) path = std::filesystem::path(out_.file).parent_path() / path;
    out.trace_path = path.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.trace_path, ec)) {
      c_.error(p + ".path", p + ".path " + q(t.path()) + ": no such file " + q(out.trace_path) +
                                "; expected a trace file (paths are relative to the scenario file's directory)");
      return;
    }
    detect_trace_format(out.trace_path, out.trace_format, c_.diags());
  }

  void slo(const pb::Serving& s, SloSpec& out) {
    const pb::Slo& m = s.slo();
    const std::string p = "serving.slo";
    double v = 0;
    if (m.has_ttft() && c_.quantity_range(p + ".ttft", m.ttft(), Quantity::kTime, v, 0, true, kMaxTime,
                                          "greater than 0 and at most 366 days")) {
      out.ttft_s = v;
    }
    if (m.has_tpot() && c_.quantity_range(p + ".tpot", m.tpot(), Quantity::kTime, v, 0, true, kMaxTime,
                                          "greater than 0 and at most 366 days")) {
      out.tpot_s = v;
    }
    if (m.has_e2e() && c_.quantity_range(p + ".e2e", m.e2e(), Quantity::kTime, v, 0, true, kMaxTime,
                                         "greater than 0 and at most 366 days")) {
      out.e2e_s = v;
    }
  }

  void output() {
    const pb::Output& o = msg_.output();
    out_.output.dir = o.dir();
    out_.output.trace = o.trace();
    if (o.has_timeseries_interval()) {
      c_.quantity_range("output.timeseries_interval", o.timeseries_interval(), Quantity::kTime,
                        out_.output.timeseries_interval_s, 0, true, kMaxTime, "greater than 0 and at most 366 days");
    }
  }

  const pb::Scenario& msg_;
  const Catalog& catalog_;
  Scenario& out_;
  Checker c_;
  bool cluster_ok_ = false;         // every node group valid: the fit check can run
  int64_t max_gpus_per_node_ = 0;   // largest valid gpus_per_node
};

}  // namespace

std::optional<Scenario> load_scenario(const std::string& file, const std::vector<Override>& overrides,
                                      const Catalog& catalog, Diagnostics& diags) {
  const size_t errors_before = diags.errors().size();
  std::string text;
  if (!detail::read_file(file, text, "scenario file", diags)) return std::nullopt;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    diags.error(SourceLocation{file, 0, 0},
                "file is empty; expected a scenario in protobuf text format (cluster { ... } serving { ... })");
    return std::nullopt;
  }
  if (!detail::check_text(text, file, diags)) return std::nullopt;
  pb::Scenario message;
  Scenario scenario;
  scenario.file = file;
  // Syntax errors stop here: the parser cannot recover, so later checks would only mislead.
  if (!detail::parse_text(text, file, message, diags, &scenario.locations)) return std::nullopt;
  for (const Override& o : overrides) detail::apply_override(o, message, diags, scenario.locations);
  Builder(message, catalog, scenario, diags).run();
  if (diags.errors().size() != errors_before) return std::nullopt;
  return scenario;
}

bool parse_override(const std::string& text, Override& out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out.path = text.substr(0, eq);
  out.value = text.substr(eq + 1);
  return true;
}

}  // namespace stratum::scenarios
