#pragma once
// Collectives as NCCL runs them, decomposed into per-step point-to-point transfers. One plan feeds
// both fidelities (DESIGN.md section 4): `flow` sends each step's transfers as SimGrid
// communications (collective_flow.hpp), `analytic` evaluates the same steps in closed form
// (collective_analytic.hpp). Serving and training call the same API for their own collectives.
//
// Synchronisation model: lock-step. A step's transfers start together and the next step starts
// when the last of them has arrived, as NCCL's ring and tree kernels wait for the previous slice
// from their neighbour before sending the next one.
//
// Algorithms (rank r is CollectiveCall::ranks[r]; S is the op's nccl-tests "size", n ranks):
// - ring (NCCL src/device/all_reduce.h runRing; Patarasuk and Yuan, JPDC 2009):
//     all-reduce      2(n-1) steps, each rank sends S/n to rank r+1 (reduce-scatter then
//                     all-gather), so t = 2(n-1)(alpha + S/(n beta)) on an idle fabric;
//     all-gather,
//     reduce-scatter  n-1 steps of S/n to rank r+1;
//     broadcast       a pipelined chain from the root (NCCL's ring broadcast): S in k chunks,
//                     k + n - 2 steps, link e carries chunk t - e at step t;
// - tree, all-reduce only (NCCL's double binary tree, NCCL 2.4+; Sanders, Speck and Traeff,
//   Parallel Computing 2009): NCCL builds binary trees over nodes (src/graph/trees.cc
//   ncclGetBtree) and a chain inside each node; the second tree mirrors the first (even node
//   counts) or shifts it by one (odd), so that a node is a leaf in at least one tree. Each tree
//   carries S/2 in k chunks: a rank whose subtree has height h sends chunk c to its parent at step
//   c + h (reduce), the root turns each chunk round at once, and a rank at depth d sends chunk c to
//   its children at step c + H + d (broadcast; H is the root's height). Other ops have no tree
//   algorithm in NCCL and run as ring.
// - hierarchical (intra-node, then inter-node, then intra-node; the layout of NCCL's CollNet and
//   of 2D / hierarchical all-reduce, Jia et al. arXiv:1807.11205): all-reduce = ring reduce-scatter
//   inside each node (m GPUs: m-1 steps of S/m), ring all-reduce of the S/m shard among the GPUs of
//   the same local index across the g nodes (2(g-1) steps of S/(m g), m rings at once, one per
//   rail), ring all-gather inside each node; all-gather = inter-node ring all-gather of S/n pieces
//   then intra-node all-gather of S/m blocks; reduce-scatter the reverse; broadcast = chain over
//   the first GPU of every node, then a chain inside every node. Needs the same number of ranks
//   on every node; otherwise it runs as ring.
// - all-to-all and send/recv have no algorithm choice (NCCL runs them as grouped point-to-point
//   operations): all-to-all follows NCCL's point-to-point schedule (src/init.cc, p2pSchedule),
//   n-1 rounds in which rank r sends S/n to rank r + round, one round per step; NCCL overlaps a
//   few rounds on separate channels, which lock-step rounds do not, so small all-to-alls pay up to
//   n-1 latencies here (an assumption on the safe side until calibration, issue 5). Send/recv is
//   one step in which rank r sends S to rank r+1 mod n (nccl-tests sendrecv_perf). Their
//   algorithm is reported as "direct".
//
// Pipelining depth k (broadcast and tree): NCCL moves data through a fixed buffer of NCCL_BUFFSIZE
// (4 MiB by default, NCCL environment-variable documentation) split into NCCL_STEPS = 8 slots
// (NCCL src/include/device.h), so a slice is 512 KiB; k = ceil(bytes / 512 KiB). k is capped at
// 64 so that a 1 GiB broadcast stays a few hundred steps; at 64 chunks the pipeline fill adds
// (depth - 1) / 64 of a chunk time per link, which is an assumption (no published figure; a
// calibrated profile replaces it, issue 5).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_graph.hpp"

namespace stratum::sim {

struct CollectiveCall {
  scenarios::CollectiveOp op = scenarios::CollectiveOp::kAllReduce;
  scenarios::CollectiveAlgorithm algorithm = scenarios::CollectiveAlgorithm::kRing;  // not kAuto
  double bytes = 0;        // the nccl-tests size: all-reduce / broadcast / send-recv buffer, all-gather
                           // output, reduce-scatter input, all-to-all buffer per rank
  std::vector<int> ranks;  // global GPU index of each rank, at least 2, no repeats
  int root = 0;            // rank index of the broadcast root
};

// One point-to-point transfer between two GPUs (global indices).
struct Transfer {
  int from = 0;
  int to = 0;
  double bytes = 0;
  bool operator==(const Transfer&) const = default;
};

class CollectivePlan {
 public:
  // Throws std::invalid_argument for fewer than 2 ranks, a repeated or unknown GPU, a negative
  // size, a root out of range, or kAuto (resolve it first: choose_algorithm in
  // collective_analytic.hpp).
  CollectivePlan(const CollectiveCall& call, const topology::ClusterGraph& graph);

  scenarios::CollectiveOp op() const { return op_; }
  // The algorithm that runs, after the fallbacks above (tree -> ring for ops without a tree, ...).
  scenarios::CollectiveAlgorithm algorithm() const { return algorithm_; }
  // True for all-to-all and send/recv, whose pattern does not depend on the algorithm.
  bool direct() const { return direct_; }
  int rank_count() const { return rank_count_; }
  int step_count() const { return step_count_; }

  // Step s's transfers, replacing the contents of `out` (reuse it: no allocation once it is big
  // enough). Steps run one after another; a step's transfers run at once.
  void step(int s, std::vector<Transfer>& out) const;
  // The steps whose transfers differ from the step before, ascending, starting with 0; the steps
  // from one to the next repeat the same transfers (a ring's 2(n-1) steps are one segment).
  const std::vector<int>& change_points() const { return change_points_; }
  // Every ordered GPU pair that some step uses, appended to `out` (duplicates possible).
  void append_pairs(std::vector<std::pair<int, int>>& out) const;

 private:
  // A set of links active in a window of steps: link (from, to) carries chunk c = t - offset at
  // step t for 0 <= c < chunks. A ring phase is edges with offset 0 and chunks = its step count.
  struct Edge {
    int from;
    int to;
    int offset;
  };
  struct Phase {
    std::vector<Edge> edges;
    int chunks = 1;
    double chunk_bytes = 0;
    int first_step = 0;
    int steps = 0;
  };
  void add_phase(Phase phase);
  void plan_ring(const std::vector<int>& ring, int steps, double chunk, Phase& into) const;
  void plan_chain(const std::vector<int>& chain, int chunks, int offset, Phase& into) const;
  void plan_tree(const std::vector<std::vector<int>>& by_node, double bytes);
  bool plan_hierarchical(const std::vector<std::vector<int>>& by_node, double bytes, int root_gpu);

  scenarios::CollectiveOp op_;
  scenarios::CollectiveAlgorithm algorithm_;
  bool direct_ = false;
  int rank_count_ = 0;
  int step_count_ = 0;
  std::vector<Phase> phases_;
  std::vector<int> change_points_;
};

// nccl-tests bus bandwidth factor (NVIDIA nccl-tests doc/PERFORMANCE.md): busbw = algbw x factor,
// with algbw = size / time. All-reduce 2(n-1)/n; all-gather, reduce-scatter, all-to-all (n-1)/n;
// broadcast and send/recv 1.
double bus_bandwidth_factor(scenarios::CollectiveOp op, int ranks);

// Pipeline depth for `bytes` moved through NCCL's 512 KiB slices, capped at 64 (see above).
int pipeline_chunks(double bytes);

// Lower-case names for results: "all_reduce", ...; "ring", "tree", "hierarchical", "auto";
// "direct" for ops without an algorithm choice (CollectivePlan::direct()).
const char* op_name(scenarios::CollectiveOp op);
const char* algorithm_name(scenarios::CollectiveAlgorithm algorithm);

// Bytes each ordered GPU pair carries over all of a collective's steps, per byte of the collective,
// ascending by pair. Linear in the size (chunking changes how the bytes are cut, not how many each
// pair carries), so callers scale it to any size. Used where a collective's traffic goes through
// the fabric as one concurrent set (flow tensor parallelism, flow training steps).
std::vector<Transfer> pair_shares(scenarios::CollectiveOp op, scenarios::CollectiveAlgorithm algorithm,
                                  const std::vector<int>& ranks, const topology::ClusterGraph& graph);

}  // namespace stratum::sim
