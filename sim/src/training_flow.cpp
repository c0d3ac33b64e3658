#include "stratum/sim/training_flow.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/calibration/stage_layers.hpp"
#include "stratum/calibration/stage_reduction.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/collectives_run.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/sim/rank_geometry.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/sim/training_faults.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

using calibration::CollectiveKind;
using calibration::Pass;
using calibration::PipelineOp;
using calibration::TimedOp;
using scenarios::CollectiveAlgorithm;
using scenarios::CollectiveOp;

double d(int64_t v) { return static_cast<double>(v); }

// The layout's rank order (rank_geometry.hpp), node-major GPUs, in the int indices SimGrid's
// hosts are numbered by.
struct Geometry {
  Geometry() : Geometry(calibration::TrainingLayout{}) {}
  explicit Geometry(const calibration::TrainingLayout& l) : where(l) {}
  RankGeometry where;
  int pp() const { return static_cast<int>(where.pp()); }
  int gpu(int t, int c, int r, int stage) const { return static_cast<int>(where.gpu(t, c, r, stage)); }
};

// One set of concurrent transfers with its idle time: the slowest transfer alone on its route
// (path latency + bytes / narrowest link), no sharing at all.
struct TransferSet {
  std::vector<Transfer> transfers;
  double idle_s = 0;
  double bytes = 0;
};

class SetBuilder {
 public:
  SetBuilder(const topology::ClusterGraph& graph, RouteTable& routes) : graph_(graph), routes_(routes) {}

  // Adds `total_bytes` of collective `op` among `ranks` with `algorithm`: every GPU pair gets its
  // share over all of the plan's steps (linear in the size; one reference size serves).
  void add(CollectiveOp op, CollectiveAlgorithm algorithm, const std::vector<int>& ranks, double bytes_each,
           double count) {
    if (ranks.size() < 2 || bytes_each <= 0 || count <= 0) return;
    const auto key = std::make_pair(std::make_pair(static_cast<int>(op), static_cast<int>(algorithm)), ranks);
    auto it = patterns_.find(key);
    if (it == patterns_.end()) it = patterns_.emplace(key, pair_shares(op, algorithm, ranks, graph_)).first;
    for (const Transfer& t : it->second) pending_[{t.from, t.to}] += t.bytes * bytes_each * count;
  }
  void add_transfer(int from, int to, double bytes) {
    if (bytes > 0) pending_[{from, to}] += bytes;
  }

  // The pending bytes as one set (whole bytes, as SimGrid sizes them), and clears them.
  TransferSet take() {
    TransferSet set;
    for (const auto& [pair, bytes] : pending_) {
      const double whole = std::round(bytes);
      if (whole <= 0) continue;
      set.transfers.push_back({pair.first, pair.second, whole});
      set.bytes += whole;
      const RouteTable::Entry e = routes_.get(pair.first, pair.second);
      if (!e.connected) {
        throw std::runtime_error("training flow: GPU " + std::to_string(pair.first) + " cannot reach GPU " +
                                 std::to_string(pair.second));
      }
      set.idle_s = std::max(set.idle_s, e.latency + whole / e.bottleneck);
    }
    pending_.clear();
    return set;
  }

 private:
  const topology::ClusterGraph& graph_;
  RouteTable& routes_;
  std::map<std::pair<std::pair<int, int>, std::vector<int>>, std::vector<Transfer>> patterns_;
  std::map<std::pair<int, int>, double> pending_;
};

bool same_node(const topology::ClusterGraph& graph, int a, int b) {
  return graph.vertex(graph.gpu(a)).node == graph.vertex(graph.gpu(b)).node;
}

struct Bucket {
  int chunk = 0;
  int index = 0;  // 1 .. n within the chunk
};

// Everything the actors read, computed before the engine runs (an exception inside an actor
// would abort the process).
struct Plan {
  Geometry g;
  int v = 1;
  int micro_batches = 1;
  std::vector<std::vector<TimedOp>> analytic_ops;  // per stage, schedule order
  // Per virtual stage (chunk x pp + stage) and pass (0 forward, 1 backward): the op's
  // tensor/expert-parallel set.
  std::vector<std::array<TransferSet, 2>> op_sets;
  // Per stage and pass: the sends to the next (forward) / previous (backward) virtual stage.
  std::vector<std::array<TransferSet, 2>> p2p_sets;
  double p2p_s = 0;  // analytic p2p time (transfer + the receiver's all-gather)
  // Per stage (each with its own parameters, training_memory's stage_parameters): one gradient
  // bucket's set, its analytic seconds, and buckets per chunk.
  std::vector<TransferSet> bucket_sets;
  std::vector<double> bucket_s;
  std::vector<int> buckets_per_chunk;
  std::vector<TransferSet> gather_sets;  // ZeRO 1/2 weight all-gather, per stage
  std::vector<double> gather_s;
  // Megatron-LM 2021 gradients (megatron2021_gradients.hpp, ZeRO 0): after the flush, passes over
  // the gradient buffer, one all-reduce of every gradient, and on the first and last stage the
  // tied embedding's all-reduce between them; nothing overlapped.
  bool legacy = false;
  std::vector<double> legacy_local_s;    // per stage
  std::vector<TransferSet> legacy_sets;  // per stage
  std::vector<double> legacy_reduce_s;   // per stage
  std::vector<TransferSet> embedding_sets;  // per stage (empty but for the first and last)
  double embedding_s = 0;
  std::vector<double> optimizer_s;     // per stage (calibration's stage_optimizer_s)
  std::vector<double> after_reduce_s;  // per stage: local work after the last bucket (PyTorch DDP's copies)
};

struct Slot {  // the remote input of one op: (pass, consumer stage, chunk, micro-batch)
  bool launched = false;
  bool arrived = false;  // every transfer done (a courier waited for them)
  double arrived_s = 0;
  int producer = 0;
  double launch_s = 0;
  double extra_s = 0;  // analytic p2p time beyond the transfers' idle time (>= 0)
  std::vector<sg4::CommPtr> comms;
  std::string name;
  int micro_batch = 0, chunk = 0;
  double bytes = 0;
};

struct Reducer {
  std::deque<Bucket> queue;
  int pushed = 0, done = 0;
  bool closed = false;
  sg4::MutexPtr mutex;
  sg4::ConditionVariablePtr cv;
};

// Each stage's sends in one direction, in launch order, for the courier that waits for them.
struct Outbox {
  std::deque<size_t> slots;
  bool closed = false;
};

struct World {
  const Plan* plan = nullptr;
  const Platform* platform = nullptr;
  std::vector<Slot> slots;
  sg4::MutexPtr mutex;
  sg4::ConditionVariablePtr cv;  // a slot was launched
  std::vector<Reducer> reducers;
  std::vector<Outbox> outboxes;  // per stage and direction: 2 x stage + (0 forward, 1 backward)
  std::vector<std::vector<TimedOp>> ops;  // what ran, per stage
  std::vector<double> stage_end, done;
  std::vector<double> dp_exposed;
  TrainingTrace trace;
  TrainingFlowReport* report = nullptr;

  size_t slot(Pass pass, int stage, int chunk, int mb) const {
    const auto p = static_cast<size_t>(plan->g.pp()), v = static_cast<size_t>(plan->v);
    return (((pass == Pass::kBackward ? v : 0) + static_cast<size_t>(chunk)) * p + static_cast<size_t>(stage)) *
               static_cast<size_t>(plan->micro_batches) +
           static_cast<size_t>(mb);
  }
};

// Sends `set` and waits for all of it; returns the simulated seconds.
double send_set(const Platform& platform, const TransferSet& set, std::vector<sg4::CommPtr>& comms) {
  const double start = sg4::Engine::get_clock();
  if (set.transfers.empty()) return 0;
  comms.clear();
  for (const Transfer& t : set.transfers) {
    comms.push_back(sg4::Comm::sendto_async(platform.gpu_host(t.from), platform.gpu_host(t.to),
                                            static_cast<std::uint64_t>(t.bytes)));
  }
  sg4::Comm::wait_all(comms);
  return sg4::Engine::get_clock() - start;
}

// A collective priced by the analytic model (alpha-beta on the group's link), then its set: the
// analytic time less the set's idle time, then the set through SimGrid.
double analytic_then_flow(const Platform& platform, double analytic_s, const TransferSet& set,
                          std::vector<sg4::CommPtr>& comms) {
  const double start = sg4::Engine::get_clock();
  const double before = std::max(0.0, analytic_s - set.idle_s);
  if (before > 0) sg4::this_actor::sleep_for(before);
  send_set(platform, set, comms);
  return sg4::Engine::get_clock() - start;
}

void reducer_actor(World& w, int stage) {
  Reducer& r = w.reducers[static_cast<size_t>(stage)];
  const Plan& plan = *w.plan;
  std::vector<sg4::CommPtr> comms;
  for (;;) {
    Bucket b;
    {
      std::unique_lock lock(*r.mutex);
      while (r.queue.empty() && !r.closed) r.cv->wait(lock);
      if (r.queue.empty()) return;
      b = r.queue.front();
      r.queue.pop_front();
    }
    const double start = sg4::Engine::get_clock();
    const TransferSet& set = plan.bucket_sets[static_cast<size_t>(stage)];
    analytic_then_flow(*w.platform, plan.bucket_s[static_cast<size_t>(stage)], set, comms);
    w.trace.spans.push_back({3 * stage + 2, "grad bucket c " + std::to_string(b.chunk) + " #" + std::to_string(b.index),
                             "dp", start, sg4::Engine::get_clock() - start, -1, b.chunk, set.bytes});
    w.report->dp_transfers += static_cast<int64_t>(set.transfers.size());
    w.report->dp_bytes += set.bytes;
    w.report->dp_buckets += 1;
    std::unique_lock lock(*r.mutex);
    ++r.done;
    r.cv->notify_all();
  }
}

// Waits for one stage's sends in one direction as soon as they are launched, so that finished
// communications are released at once: SimGrid 3.32 keeps a finished but unwaited communication
// among the pending ones that every completion searches (collective_flow.hpp, speed note), and the
// receiving stage may reach the op much later (interleaved warm-up). Sends of one direction are
// alike and leave in order, so they arrive in order.
void courier_actor(World& w, size_t box) {
  Outbox& out = w.outboxes[box];
  for (;;) {
    size_t index = 0;
    {
      std::unique_lock lock(*w.mutex);
      while (out.slots.empty() && !out.closed) w.cv->wait(lock);
      if (out.slots.empty()) return;
      index = out.slots.front();
      out.slots.pop_front();
    }
    Slot& s = w.slots[index];
    sg4::Comm::wait_all(s.comms);
    double arrived = s.launch_s;
    for (const sg4::CommPtr& c : s.comms) arrived = std::max(arrived, c->get_finish_time());
    s.comms.clear();
    s.comms.shrink_to_fit();
    std::unique_lock lock(*w.mutex);
    s.arrived = true;
    s.arrived_s = arrived;
    w.cv->notify_all();
  }
}

void push_bucket(World& w, int stage, int chunk, int index) {
  Reducer& r = w.reducers[static_cast<size_t>(stage)];
  std::unique_lock lock(*r.mutex);
  r.queue.push_back({chunk, index});
  ++r.pushed;
  r.cv->notify_all();
}

void stage_actor(World& w, int i) {
  const Plan& plan = *w.plan;
  const int p = plan.g.pp(), v = plan.v;
  const bool reduce = !plan.bucket_sets.empty();
  const auto& ops = plan.analytic_ops[static_cast<size_t>(i)];
  // The last backward op of each chunk: its gradients complete during it (Megatron-Core DDP).
  std::vector<size_t> last_backward(static_cast<size_t>(v), ops.size());
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].op.pass == Pass::kBackward) last_backward[static_cast<size_t>(ops[k].op.chunk)] = k;
  }
  std::vector<sg4::CommPtr> comms;
  for (size_t k = 0; k < ops.size(); ++k) {
    const PipelineOp& op = ops[k].op;
    const bool fwd = op.pass == Pass::kForward;
    // Remote input: the same rule as calibration::run_pipeline.
    const bool remote = p > 1 && (fwd ? (i > 0 || op.chunk > 0) : (i < p - 1 || op.chunk < v - 1));
    if (remote) {
      Slot& s = w.slots[w.slot(op.pass, i, op.chunk, op.micro_batch)];
      {
        std::unique_lock lock(*w.mutex);
        while (!s.arrived) w.cv->wait(lock);
      }
      // Ready when the last transfer arrived plus the rest of the analytic p2p time; this stage may
      // reach the op later than that (it was busy).
      const double ready = s.arrived_s + s.extra_s;
      if (ready > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(ready);
      w.trace.spans.push_back({3 * s.producer + 1, s.name, "p2p", s.launch_s, ready - s.launch_s, s.micro_batch,
                               s.chunk, s.bytes});
    }
    const double start = sg4::Engine::get_clock();
    const TransferSet& set = plan.op_sets[static_cast<size_t>(op.chunk * p + i)][fwd ? 0 : 1];
    const double compute = std::max(0.0, (ops[k].end_s - ops[k].start_s) - set.idle_s);
    const bool grads = reduce && !fwd && last_backward[static_cast<size_t>(op.chunk)] == k;
    if (grads) {
      // Bucket j of n is ready at j/n of the op (even gradient production; calibration's assumption).
      const int n = plan.buckets_per_chunk[static_cast<size_t>(i)];
      for (int j = 1; j < n; ++j) {
        sg4::this_actor::sleep_for(compute / n);
        push_bucket(w, i, op.chunk, j);
      }
      sg4::this_actor::sleep_for(compute / n);
    } else if (compute > 0) {
      sg4::this_actor::sleep_for(compute);
    }
    send_set(*w.platform, set, comms);
    w.report->tp_transfers += static_cast<int64_t>(set.transfers.size());
    w.report->tp_bytes += set.bytes;
    if (grads) push_bucket(w, i, op.chunk, plan.buckets_per_chunk[static_cast<size_t>(i)]);
    const double end = sg4::Engine::get_clock();
    w.ops[static_cast<size_t>(i)].push_back({op, start, end});
    w.trace.spans.push_back({3 * i, op_span_name(op), fwd ? "forward" : "backward", start, end - start,
                             op.micro_batch, op.chunk, 0});
    // Output to the next virtual stage (forward) or the previous one (backward).
    int to_stage = -1, to_chunk = op.chunk;
    if (p > 1) {
      if (fwd && i < p - 1) to_stage = i + 1;
      if (fwd && i == p - 1 && op.chunk < v - 1) to_stage = 0, to_chunk = op.chunk + 1;
      if (!fwd && i > 0) to_stage = i - 1;
      if (!fwd && i == 0 && op.chunk > 0) to_stage = p - 1, to_chunk = op.chunk - 1;
    }
    if (to_stage >= 0) {
      const TransferSet& p2p = plan.p2p_sets[static_cast<size_t>(i)][fwd ? 0 : 1];
      Slot& s = w.slots[w.slot(op.pass, to_stage, to_chunk, op.micro_batch)];
      s.producer = i;
      s.launch_s = end;
      s.extra_s = std::max(0.0, plan.p2p_s - p2p.idle_s);
      s.name = "p2p " + op_span_name(op);
      s.micro_batch = op.micro_batch;
      s.chunk = op.chunk;
      s.bytes = p2p.bytes;
      for (const Transfer& t : p2p.transfers) {
        s.comms.push_back(sg4::Comm::sendto_async(w.platform->gpu_host(t.from), w.platform->gpu_host(t.to),
                                                  static_cast<std::uint64_t>(t.bytes)));
      }
      w.report->p2p_transfers += static_cast<int64_t>(p2p.transfers.size());
      w.report->p2p_bytes += p2p.bytes;
      std::unique_lock lock(*w.mutex);
      s.launched = true;
      w.outboxes[static_cast<size_t>(2 * i + (fwd ? 0 : 1))].slots.push_back(w.slot(op.pass, to_stage, to_chunk, op.micro_batch));
      w.cv->notify_all();
    }
  }
  {
    std::unique_lock lock(*w.mutex);
    w.outboxes[static_cast<size_t>(2 * i)].closed = true;
    w.outboxes[static_cast<size_t>(2 * i + 1)].closed = true;
    w.cv->notify_all();
  }
  const double stage_end = sg4::Engine::get_clock();
  w.stage_end[static_cast<size_t>(i)] = stage_end;
  if (reduce) {
    Reducer& r = w.reducers[static_cast<size_t>(i)];
    std::unique_lock lock(*r.mutex);
    r.closed = true;
    r.cv->notify_all();
    while (r.done < r.pushed) r.cv->wait(lock);
  }
  if (plan.legacy) {
    const double local = plan.legacy_local_s[static_cast<size_t>(i)];
    if (local > 0) sg4::this_actor::sleep_for(local);
    const double start = sg4::Engine::get_clock();
    const TransferSet& set = plan.legacy_sets[static_cast<size_t>(i)];
    analytic_then_flow(*w.platform, plan.legacy_reduce_s[static_cast<size_t>(i)], set, comms);
    const TransferSet& emb = plan.embedding_sets[static_cast<size_t>(i)];
    if (!emb.transfers.empty()) analytic_then_flow(*w.platform, plan.embedding_s, emb, comms);
    w.trace.spans.push_back({3 * i + 2, "gradient all-reduce", "dp", start, sg4::Engine::get_clock() - start, -1, -1,
                             set.bytes + emb.bytes});
    w.report->dp_transfers += static_cast<int64_t>(set.transfers.size() + emb.transfers.size());
    w.report->dp_bytes += set.bytes + emb.bytes;
  }
  const double after = plan.after_reduce_s.empty() ? 0.0 : plan.after_reduce_s[static_cast<size_t>(i)];
  if (after > 0) sg4::this_actor::sleep_for(after);
  const double reduced = sg4::Engine::get_clock();
  const double optimizer = plan.optimizer_s[static_cast<size_t>(i)];
  if (optimizer > 0) {
    sg4::this_actor::sleep_for(optimizer);
    w.trace.spans.push_back({3 * i, "optimizer", "optimizer", reduced, optimizer, -1, -1, 0});
  }
  double exposed = reduced - stage_end;
  if (!plan.gather_sets.empty()) {
    // ZeRO 1/2: updated weights all-gathered, hidden behind the next step's micro-batch-0
    // forwards (Megatron-Core --overlap-param-gather), as the analytic step counts it.
    const TransferSet& set = plan.gather_sets[static_cast<size_t>(i)];
    const double start = sg4::Engine::get_clock();
    const double g = analytic_then_flow(*w.platform, plan.gather_s[static_cast<size_t>(i)], set, comms);
    w.trace.spans.push_back({3 * i + 2, "weight all-gather", "dp", start, g, -1, -1, set.bytes});
    w.report->dp_transfers += static_cast<int64_t>(set.transfers.size());
    w.report->dp_bytes += set.bytes;
    double window = 0;
    for (const TimedOp& t : w.ops[static_cast<size_t>(i)]) {
      if (t.op.pass == Pass::kForward && t.op.micro_batch == 0) window += t.end_s - t.start_s;
    }
    exposed += std::max(0.0, g - window);
  }
  w.dp_exposed[static_cast<size_t>(i)] = exposed;
  w.done[static_cast<size_t>(i)] = stage_end + exposed + optimizer;
}

}  // namespace

TrainingRunResult run_training_flow(const scenarios::Scenario& s) {
  if (!s.training) throw std::invalid_argument("run_training_flow: the scenario has no training section");
  const scenarios::TrainingSpec& t = *s.training;
  const scenarios::ModelSpec& m = t.model;
  const scenarios::NodeGroup& group = s.cluster.nodes.front();
  // The analytic step of the same scenario (run_training: the same options, software and links):
  // its op durations, p2p time, bucket rule and optimizer are what the actors replay. Every
  // inter-node class at the NIC share (no fabric cuts): the actors' transfers meet the
  // oversubscribed tiers themselves, and must not pay for them twice. No fault timeline yet: it
  // runs once, below, on the flow step.
  TrainingRunResult out = run_training(s, {.fabric_cuts = false, .dynamics = false});
  const calibration::TrainingStep base = out.step;
  const calibration::TrainingLayout& l = out.layout;
  const auto costs = calibration::make_cost_model(group.gpu, s.profiles);
  TrainingFlowReport report;
  report.analytic_step_time_s = base.step_time_s;

  const topology::ClusterGraph graph = topology::build_cluster(s.cluster, s.seed);
  RouteTable routes(graph, ecmp_route_fn(graph));
  AnalyticEvaluator evaluator(routes);
  SetBuilder sets(graph, routes);

  Plan plan;
  plan.g = Geometry(l);
  plan.v = l.virtual_stages;
  plan.micro_batches = static_cast<int>(l.micro_batches());
  plan.analytic_ops = base.pipeline.stages;
  plan.p2p_s = base.p2p_s;
  plan.optimizer_s = base.stage_optimizer_s;
  const Geometry& g = plan.g;
  const int p = l.pp, nd = l.dp * l.cp;

  // Formats and sizes as calibration/src/training_step.cpp: collectives in 16 bits (BF16 under FP8
  // training), one [T x hidden] activation of T = micro_batch x seq_len / cp tokens.
  const scenarios::Precision stream_p =
      l.precision == scenarios::Precision::kFp16 ? scenarios::Precision::kFp16 : scenarios::Precision::kBf16;
  const double sb = scenarios::bytes_per_element(stream_p);
  const double tokens = d(l.micro_batch) * d(l.seq_len / l.cp);
  const double act = tokens * d(m.hidden) * sb;
  // Decoder layers of each virtual stage (even or uneven split, calibration/stage_layers.hpp).
  const std::vector<int64_t> chunk_layers = calibration::chunk_layers(l, m.layers);

  // Which replicas' tensor-parallel traffic to send (see the header): all when a TP group spans
  // nodes or when a pipeline or data-parallel transfer stays inside a node.
  bool all_replicas = !out.links.tp_intra;
  for (int i = 0; i < p && !all_replicas; ++i) {
    if (i + 1 < p && same_node(graph, g.gpu(0, 0, 0, i), g.gpu(0, 0, 0, i + 1))) all_replicas = true;
    if (nd > 1 && same_node(graph, g.gpu(0, 0, 0, i), g.gpu(0, l.cp > 1 ? 1 : 0, l.cp > 1 ? 0 : 1, i))) all_replicas = true;
  }
  report.tp_replicas = all_replicas ? "all replicas" : "replica 0";

  // Tensor parallelism inside a node runs NCCL's ring (NVSwitch without NVLS); across nodes the
  // algorithm NCCL's tuner would pick (tp_collectives.cpp makes the same choice).
  const auto algorithm_for = [&](CollectiveOp op, const std::vector<int>& ranks, double bytes) {
    bool spans = false;
    for (const int r : ranks) spans = spans || !same_node(graph, r, ranks.front());
    if (!spans) return CollectiveAlgorithm::kRing;
    CollectiveCall c;
    c.op = op;
    c.bytes = bytes;
    c.ranks = ranks;
    return choose_algorithm(c, graph, evaluator);
  };

  plan.op_sets.resize(chunk_layers.size());
  plan.p2p_sets.resize(static_cast<size_t>(p));
  const int replicas = all_replicas ? l.dp : 1;
  std::map<std::pair<int, double>, CollectiveAlgorithm> tp_algorithm;  // (op, bytes) for group 0
  for (size_t vs = 0; vs < chunk_layers.size(); ++vs) {
    const int i = static_cast<int>(vs % static_cast<size_t>(p));
    const double layers_per_chunk = d(chunk_layers[vs]);
    for (int pass = 0; pass < 2; ++pass) {
      // Per layer (Shoeybi 2019 section 3; Korthikanti 2022 section 4.2.2): two all-reduces of the
      // activation per pass, or with sequence parallelism two all-gathers and two reduce-scatters;
      // full recomputation runs the forward's again before the backward. MoE: two all-to-alls of
      // the routed tokens per pass (Megatron-Core alltoall dispatcher).
      const double passes = pass == 1 && l.recompute == calibration::Recompute::kFull ? 2.0 : 1.0;
      for (int r = 0; r < replicas; ++r) {
        for (int c = 0; c < l.cp; ++c) {
          if (l.tp > 1) {
            std::vector<int> ranks;
            for (int tr = 0; tr < l.tp; ++tr) ranks.push_back(g.gpu(tr, c, r, i));
            const auto add = [&](CollectiveOp op) {
              const auto key = std::make_pair(static_cast<int>(op), act);
              auto it = tp_algorithm.find(key);
              if (it == tp_algorithm.end()) it = tp_algorithm.emplace(key, algorithm_for(op, ranks, act)).first;
              sets.add(op, it->second, ranks, act, 2.0 * passes * layers_per_chunk);
            };
            if (l.sequence_parallel) {
              add(CollectiveOp::kAllGather);
              add(CollectiveOp::kReduceScatter);
            } else {
              add(CollectiveOp::kAllReduce);
            }
          }
        }
      }
      if (m.experts > 0 && l.ep > 1) {
        // Expert groups: ep consecutive data-parallel ranks (flattened cp x dp), tp apart
        // (training_links' assumption); every group of the stage, all replicas (they cross nodes
        // whenever tp x ep exceeds a node, and then share the fabric).
        const double routed = tokens * d(m.experts_per_token) * d(m.hidden) * sb;
        for (int tr = 0; tr < l.tp; ++tr) {
          for (int first = 0; first < nd; first += l.ep) {
            std::vector<int> ranks;
            for (int e = first; e < first + l.ep; ++e) ranks.push_back(g.gpu(tr, e % l.cp, e / l.cp, i));
            sets.add(CollectiveOp::kAllToAll, CollectiveAlgorithm::kRing, ranks, routed, 2.0 * passes * layers_per_chunk);
          }
        }
      }
      plan.op_sets[vs][static_cast<size_t>(pass)] = sets.take();
    }
  }
  for (int i = 0; i < p; ++i) {
    // Pipeline sends: every GPU of the stage to the same ranks one stage on (forward) or back.
    for (int pass = 0; pass < 2 && p > 1; ++pass) {
      const int to = pass == 0 ? (i + 1) % p : (i + p - 1) % p;
      for (int r = 0; r < l.dp; ++r) {
        for (int c = 0; c < l.cp; ++c) {
          for (int tr = 0; tr < l.tp; ++tr) sets.add_transfer(g.gpu(tr, c, r, i), g.gpu(tr, c, r, to), act / l.tp);
        }
      }
      plan.p2p_sets[static_cast<size_t>(i)][static_cast<size_t>(pass)] = sets.take();
    }
  }

  // Data-parallel gradient reduction, weight gather and optimizer: the analytic step's plan
  // (calibration/stage_reduction.hpp), each stage with its own parameters, its bytes sent here.
  const calibration::ReductionPlan reduction = calibration::plan_stage_reductions(
      *costs, m, l, base.memory.stage_parameters, out.links.links, training_step_options(t));
  plan.legacy = reduction.legacy;
  const auto dp_ranks = [&](int tr, int i) {
    std::vector<int> ranks;
    for (int r = 0; r < l.dp; ++r) {
      for (int c = 0; c < l.cp; ++c) ranks.push_back(g.gpu(tr, c, r, i));
    }
    return ranks;
  };
  // The algorithm NCCL's tuner picks for the stage's group 0, used by all its groups (same shape).
  const auto dp_algorithm = [&](CollectiveOp op, double bytes, int i) {
    CollectiveCall call;
    call.op = op;
    call.bytes = bytes;
    call.ranks = dp_ranks(0, i);
    const CollectiveAlgorithm a = choose_algorithm(call, graph, evaluator);
    if (i == 0) report.dp_algorithm = algorithm_name(CollectivePlan({op, a, bytes, call.ranks, 0}, graph).algorithm());
    return a;
  };
  if (plan.legacy) {
    plan.legacy_reduce_s.assign(static_cast<size_t>(p), 0.0);
    plan.legacy_sets.resize(static_cast<size_t>(p));
    plan.embedding_sets.resize(static_cast<size_t>(p));
    for (int i = 0; i < p; ++i) {
      const calibration::StageReduction& r = reduction.stages[static_cast<size_t>(i)];
      plan.legacy_local_s.push_back(r.legacy_local_s);
      if (nd >= 2) {
        plan.legacy_reduce_s[static_cast<size_t>(i)] = r.legacy_reduce_s;
        const CollectiveAlgorithm a = dp_algorithm(CollectiveOp::kAllReduce, r.legacy_reduce_bytes, i);
        for (int tr = 0; tr < l.tp; ++tr) sets.add(CollectiveOp::kAllReduce, a, dp_ranks(tr, i), r.legacy_reduce_bytes, 1.0);
        plan.legacy_sets[static_cast<size_t>(i)] = sets.take();
      }
      if (r.embedding_bytes > 0) {
        // Two ranks (same tp, cp, dp ranks on the first and last stage): each sends its buffer to the other.
        plan.embedding_s = r.embedding_s;
        const int other = i == 0 ? p - 1 : 0;
        for (int rr = 0; rr < l.dp; ++rr) {
          for (int c = 0; c < l.cp; ++c) {
            for (int tr = 0; tr < l.tp; ++tr) {
              sets.add_transfer(g.gpu(tr, c, rr, i), g.gpu(tr, c, rr, other), r.embedding_bytes);
            }
          }
        }
        plan.embedding_sets[static_cast<size_t>(i)] = sets.take();
      }
    }
  } else if (nd > 1) {
    const auto op =
        reduction.bucket_kind == CollectiveKind::kAllReduce ? CollectiveOp::kAllReduce : CollectiveOp::kReduceScatter;
    for (int i = 0; i < p; ++i) {
      const calibration::StageReduction& r = reduction.stages[static_cast<size_t>(i)];
      plan.buckets_per_chunk.push_back(r.buckets_per_chunk);
      plan.bucket_s.push_back(r.bucket_s);
      plan.after_reduce_s.push_back(r.after_buckets_s);  // after the last bucket, as the analytic step counts it
      const CollectiveAlgorithm a = dp_algorithm(op, r.bucket_bytes, i);
      for (int tr = 0; tr < l.tp; ++tr) sets.add(op, a, dp_ranks(tr, i), r.bucket_bytes, 1.0);
      plan.bucket_sets.push_back(sets.take());
      if (r.gather_bytes > 0) {
        plan.gather_s.push_back(r.gather_s);
        for (int tr = 0; tr < l.tp; ++tr) {
          sets.add(CollectiveOp::kAllGather, CollectiveAlgorithm::kRing, dp_ranks(tr, i), r.gather_bytes, 1.0);
        }
        plan.gather_sets.push_back(sets.take());
      }
    }
  }

  // The platform: the stages' GPUs and every pair a set uses.
  PlatformScope scope;
  for (int i = 0; i < p; ++i) {
    for (int r = 0; r < l.dp; ++r) {
      for (int c = 0; c < l.cp; ++c) {
        for (int tr = 0; tr < l.tp; ++tr) scope.gpus.push_back(g.gpu(tr, c, r, i));
      }
    }
  }
  const auto add_pairs = [&scope](const TransferSet& set) {
    for (const Transfer& tr : set.transfers) scope.routes.emplace_back(tr.from, tr.to);
  };
  for (const auto& pair : plan.op_sets) {
    for (const TransferSet& set : pair) add_pairs(set);
  }
  for (const auto& pair : plan.p2p_sets) {
    for (const TransferSet& set : pair) add_pairs(set);
  }
  for (const TransferSet& set : plan.bucket_sets) add_pairs(set);
  for (const TransferSet& set : plan.gather_sets) add_pairs(set);
  for (const TransferSet& set : plan.legacy_sets) add_pairs(set);
  for (const TransferSet& set : plan.embedding_sets) add_pairs(set);
  std::sort(scope.routes.begin(), scope.routes.end());
  scope.routes.erase(std::unique(scope.routes.begin(), scope.routes.end()), scope.routes.end());

  if (std::getenv("STRATUM_SIMGRID_LOG") == nullptr) xbt_log_control_set("root.thresh:error");
  sg4::Engine engine("stratum");
  configure_engine(engine);
  const Platform platform(engine, graph, routes, scope);
  report.gpus_in_platform = platform.gpu_count();
  report.platform_links = static_cast<int64_t>(platform.link_count());
  report.platform_routes = static_cast<int64_t>(platform.route_count());

  World w;
  w.plan = &plan;
  w.platform = &platform;
  w.report = &report;
  w.slots.resize(2 * static_cast<size_t>(p) * static_cast<size_t>(l.virtual_stages) *
                 static_cast<size_t>(plan.micro_batches));
  w.mutex = sg4::Mutex::create();
  w.cv = sg4::ConditionVariable::create();
  w.ops.resize(static_cast<size_t>(p));
  w.stage_end.assign(static_cast<size_t>(p), 0.0);
  w.done.assign(static_cast<size_t>(p), 0.0);
  w.dp_exposed.assign(static_cast<size_t>(p), 0.0);
  w.reducers.resize(static_cast<size_t>(p));
  w.outboxes.resize(2 * static_cast<size_t>(p));
  std::vector<int> first_gpu;
  for (int i = 0; i < p; ++i) first_gpu.push_back(g.gpu(0, 0, 0, i));
  w.trace.track_names = training_track_names(first_gpu);
  for (int i = 0; i < p; ++i) {
    sg4::Host* host = platform.gpu_host(g.gpu(0, 0, 0, i));
    sg4::Actor::create("stage-" + std::to_string(i), host, [&w, i] { stage_actor(w, i); });
    ++report.actors;
    if (p > 1) {
      for (size_t box : {2 * static_cast<size_t>(i), 2 * static_cast<size_t>(i) + 1}) {
        sg4::Actor::create("courier-" + std::to_string(box), host, [&w, box] { courier_actor(w, box); });
        ++report.actors;
      }
    }
    if (!plan.bucket_sets.empty()) {
      Reducer& r = w.reducers[static_cast<size_t>(i)];
      r.mutex = sg4::Mutex::create();
      r.cv = sg4::ConditionVariable::create();
      sg4::Actor::create("dp-" + std::to_string(i), host, [&w, i] { reducer_actor(w, i); });
      ++report.actors;
    }
  }
  engine.run();

  // The step: the last stage to finish its reductions, weight gather and optimizer.
  calibration::TrainingStep st = base;
  st.pipeline.stages = w.ops;
  st.pipeline.busy_s.assign(static_cast<size_t>(p), 0.0);
  st.pipeline.makespan_s = 0;
  for (int i = 0; i < p; ++i) {
    for (const TimedOp& op : w.ops[static_cast<size_t>(i)]) {
      st.pipeline.busy_s[static_cast<size_t>(i)] += op.end_s - op.start_s;
      st.pipeline.makespan_s = std::max(st.pipeline.makespan_s, op.end_s);
    }
  }
  const double ideal = *std::max_element(st.pipeline.busy_s.begin(), st.pipeline.busy_s.end());
  st.pipeline.bubble_fraction = ideal > 0 ? (st.pipeline.makespan_s - ideal) / ideal : 0.0;
  st.bubble_fraction = st.pipeline.bubble_fraction;
  double step = 0;
  for (int i = 0; i < p; ++i) {
    if (w.done[static_cast<size_t>(i)] > step) {
      step = w.done[static_cast<size_t>(i)];
      st.dp_exposed_s = w.dp_exposed[static_cast<size_t>(i)];
      st.optimizer_s = plan.optimizer_s[static_cast<size_t>(i)];
    }
  }
  // Same FLOPs, another step time (calibration::estimate_training_step's definitions).
  const double scale = base.step_time_s / step;
  st.step_time_s = step;
  st.tokens_per_s = d(l.tokens_per_step()) / step;
  st.mfu = base.mfu * scale;
  st.hfu = base.hfu * scale;
  st.tflops_per_gpu = base.tflops_per_gpu * scale;
  out.step = st;
  report.contention_s = step - base.step_time_s;
  out.step_start_s.clear();
  for (int64_t i = 0; i < t.steps; ++i) out.step_start_s.push_back(static_cast<double>(i) * step);
  out.simulated_time_s = static_cast<double>(t.steps) * step;
  if (training_has_dynamics(s)) {
    // Faults, checkpoints, restarts (training_faults.hpp) on the flow step rather than the analytic one.
    out.dynamics = run_training_dynamics(s, out.step);
    out.simulated_time_s = out.dynamics->result.wall_s;
  }
  out.trace = std::move(w.trace);
  out.flow = report;
  return out;
}

}  // namespace stratum::sim
