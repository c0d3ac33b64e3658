#include "stratum/sim/collective.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

namespace stratum::sim {
namespace {

using scenarios::CollectiveAlgorithm;
using scenarios::CollectiveOp;

// NCCL_BUFFSIZE 4 MiB / NCCL_STEPS 8 (see the header).
constexpr double kSliceBytes = 4.0 * 1024 * 1024 / 8;
constexpr int kMaxChunks = 64;

// Parent of `rank` in NCCL's binary tree over n ranks (NCCL src/graph/trees.cc, ncclGetBtree):
// rank 0 is the root; otherwise clear the lowest set bit and set the next one up, or just clear it
// when that leaves the range.
int btree_parent(int n, int rank) {
  if (rank == 0) return -1;
  int bit = 1;
  while (bit < n && (bit & rank) == 0) bit <<= 1;
  const int up = (rank ^ bit) | (bit << 1);
  return up >= n ? (rank ^ bit) : up;
}

// The second tree of NCCL's double binary tree (ncclGetDtree): the first tree mirrored when n is
// even, shifted by one rank when n is odd, so that no rank is interior in both.
int dtree_parent(int n, int rank) {
  if (n % 2 == 1) {
    const int p = btree_parent(n, (rank - 1 + n) % n);
    return p < 0 ? -1 : (p + 1) % n;
  }
  const int p = btree_parent(n, n - 1 - rank);
  return p < 0 ? -1 : n - 1 - p;
}

}  // namespace

int pipeline_chunks(double bytes) {
  const double k = std::ceil(bytes / kSliceBytes);
  return static_cast<int>(std::clamp(k, 1.0, static_cast<double>(kMaxChunks)));
}

double bus_bandwidth_factor(CollectiveOp op, int ranks) {
  const double n = ranks;
  switch (op) {
    case CollectiveOp::kAllReduce: return 2.0 * (n - 1) / n;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllToAll: return (n - 1) / n;
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kSendRecv: return 1.0;
  }
  return 1.0;
}

const char* op_name(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce: return "all_reduce";
    case CollectiveOp::kAllGather: return "all_gather";
    case CollectiveOp::kReduceScatter: return "reduce_scatter";
    case CollectiveOp::kAllToAll: return "all_to_all";
    case CollectiveOp::kBroadcast: return "broadcast";
    case CollectiveOp::kSendRecv: return "send_recv";
  }
  return "?";
}

const char* algorithm_name(CollectiveAlgorithm algorithm) {
  switch (algorithm) {
    case CollectiveAlgorithm::kRing: return "ring";
    case CollectiveAlgorithm::kTree: return "tree";
    case CollectiveAlgorithm::kHierarchical: return "hierarchical";
    case CollectiveAlgorithm::kAuto: return "auto";
  }
  return "?";
}

CollectivePlan::CollectivePlan(const CollectiveCall& call, const topology::ClusterGraph& graph)
    : op_(call.op), algorithm_(call.algorithm), rank_count_(static_cast<int>(call.ranks.size())) {
  const int n = rank_count_;
  if (n < 2) throw std::invalid_argument("collective: needs at least 2 ranks, got " + std::to_string(n));
  if (!(call.bytes >= 0) || !std::isfinite(call.bytes)) throw std::invalid_argument("collective: bad size");
  if (call.algorithm == CollectiveAlgorithm::kAuto) {
    throw std::invalid_argument("collective: resolve AUTO before planning (choose_algorithm)");
  }
  if (call.root < 0 || call.root >= n) throw std::invalid_argument("collective: root out of range");
  std::vector<int> sorted(call.ranks);
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw std::invalid_argument("collective: a GPU appears twice among the ranks");
  }
  if (sorted.front() < 0 || sorted.back() >= graph.gpu_count()) {
    throw std::invalid_argument("collective: rank GPU out of range (cluster has " +
                                std::to_string(graph.gpu_count()) + " GPUs)");
  }

  // Ranks by node, nodes in order of first appearance, ranks in call order inside each node.
  std::vector<std::vector<int>> by_node;
  {
    std::vector<int> node_slot(static_cast<std::size_t>(graph.node_count()), -1);
    for (const int g : call.ranks) {
      const int node = graph.vertex(graph.gpu(g)).node;
      int& slot = node_slot.at(static_cast<std::size_t>(node));
      if (slot < 0) {
        slot = static_cast<int>(by_node.size());
        by_node.emplace_back();
      }
      by_node[static_cast<std::size_t>(slot)].push_back(g);
    }
  }

  const double S = call.bytes;
  const double nd = n;
  const std::vector<int>& ranks = call.ranks;
  switch (op_) {
    case CollectiveOp::kAllToAll: {
      // NCCL's point-to-point schedule: in round r = 1 .. n-1 rank i sends to i + r and receives
      // from i - r (mod n), so every round is a permutation (NCCL src/init.cc, p2pSchedule).
      direct_ = true;
      for (int r = 1; r < n; ++r) {
        Phase p;
        p.chunks = 1;
        p.chunk_bytes = S / nd;
        for (int i = 0; i < n; ++i) {
          p.edges.push_back({ranks[static_cast<std::size_t>(i)], ranks[static_cast<std::size_t>((i + r) % n)], 0});
        }
        add_phase(std::move(p));
      }
      break;
    }
    case CollectiveOp::kSendRecv: {
      direct_ = true;
      Phase p;
      plan_ring(ranks, 1, S, p);
      add_phase(std::move(p));
      break;
    }
    case CollectiveOp::kAllReduce:
      if (algorithm_ == CollectiveAlgorithm::kTree) {
        plan_tree(by_node, S);
        break;
      }
      if (algorithm_ == CollectiveAlgorithm::kHierarchical && plan_hierarchical(by_node, S, ranks[static_cast<std::size_t>(call.root)])) break;
      algorithm_ = CollectiveAlgorithm::kRing;
      {
        Phase p;
        plan_ring(ranks, 2 * (n - 1), S / nd, p);
        add_phase(std::move(p));
      }
      break;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kBroadcast:
      if (algorithm_ == CollectiveAlgorithm::kHierarchical && plan_hierarchical(by_node, S, ranks[static_cast<std::size_t>(call.root)])) break;
      algorithm_ = CollectiveAlgorithm::kRing;
      if (op_ == CollectiveOp::kBroadcast) {
        std::vector<int> chain;
        for (int i = 0; i < n; ++i) chain.push_back(ranks[static_cast<std::size_t>((call.root + i) % n)]);
        Phase p;
        const int k = pipeline_chunks(S);
        p.chunk_bytes = S / k;
        plan_chain(chain, k, 0, p);
        add_phase(std::move(p));
      } else {
        Phase p;
        plan_ring(ranks, n - 1, S / nd, p);
        add_phase(std::move(p));
      }
      break;
  }
  if (direct_) algorithm_ = CollectiveAlgorithm::kRing;  // unused for direct ops; kept well-defined

  std::sort(change_points_.begin(), change_points_.end());
  change_points_.erase(std::unique(change_points_.begin(), change_points_.end()), change_points_.end());
}

void CollectivePlan::plan_ring(const std::vector<int>& ring, int steps, double chunk, Phase& into) const {
  const std::size_t m = ring.size();
  if (m < 2) return;
  into.chunks = steps;
  into.chunk_bytes = chunk;
  for (std::size_t i = 0; i < m; ++i) into.edges.push_back({ring[i], ring[(i + 1) % m], 0});
}

void CollectivePlan::plan_chain(const std::vector<int>& chain, int chunks, int offset, Phase& into) const {
  into.chunks = chunks;
  for (std::size_t e = 0; e + 1 < chain.size(); ++e) {
    into.edges.push_back({chain[e], chain[e + 1], offset + static_cast<int>(e)});
  }
}

void CollectivePlan::plan_tree(const std::vector<std::vector<int>>& by_node, double bytes) {
  const int g = static_cast<int>(by_node.size());
  Phase p;
  const int k = pipeline_chunks(bytes / 2);
  p.chunks = k;
  p.chunk_bytes = bytes / 2 / k;
  for (int tree = 0; tree < 2; ++tree) {
    // Parent of every GPU: chains inside nodes (reversed in the second tree, so the two trees
    // load opposite directions of the intra-node links), heads joined by the node-level tree.
    std::vector<int> gpus;
    std::vector<int> parent;  // index into gpus
    std::vector<int> head(static_cast<std::size_t>(g));
    for (int i = 0; i < g; ++i) {
      std::vector<int> chain = by_node[static_cast<std::size_t>(i)];
      if (tree == 1) std::reverse(chain.begin(), chain.end());
      head[static_cast<std::size_t>(i)] = static_cast<int>(gpus.size());
      for (std::size_t c = 0; c < chain.size(); ++c) {
        parent.push_back(c == 0 ? -1 : static_cast<int>(gpus.size()) - 1);
        gpus.push_back(chain[c]);
      }
    }
    for (int i = 0; i < g; ++i) {
      const int up = tree == 0 ? btree_parent(g, i) : dtree_parent(g, i);
      if (up >= 0) parent[static_cast<std::size_t>(head[static_cast<std::size_t>(i)])] = head[static_cast<std::size_t>(up)];
    }
    const std::size_t count = gpus.size();
    // Depth from the root, height of each subtree (leaves 0).
    std::vector<int> depth(count, -1), height(count, 0);
    for (std::size_t v = 0; v < count; ++v) {
      int d = 0;
      for (int u = static_cast<int>(v); parent[static_cast<std::size_t>(u)] >= 0; u = parent[static_cast<std::size_t>(u)]) ++d;
      depth[v] = d;
    }
    for (std::size_t v = 0; v < count; ++v) {
      int h = 0;
      for (int u = static_cast<int>(v); parent[static_cast<std::size_t>(u)] >= 0; u = parent[static_cast<std::size_t>(u)]) {
        ++h;
        int& ph = height[static_cast<std::size_t>(parent[static_cast<std::size_t>(u)])];
        ph = std::max(ph, h);
      }
    }
    int root_height = 0;
    for (std::size_t v = 0; v < count; ++v) {
      if (parent[v] < 0) root_height = height[v];
    }
    for (std::size_t v = 0; v < count; ++v) {
      const int up = parent[v];
      if (up < 0) continue;
      const std::size_t u = static_cast<std::size_t>(up);
      p.edges.push_back({gpus[v], gpus[u], height[v]});                      // reduce
      p.edges.push_back({gpus[u], gpus[v], root_height + depth[u]});         // broadcast
    }
  }
  add_phase(std::move(p));
}

bool CollectivePlan::plan_hierarchical(const std::vector<std::vector<int>>& by_node, double bytes, int root_gpu) {
  const std::size_t g = by_node.size();
  const std::size_t m = by_node.front().size();
  for (const auto& node : by_node) {
    if (node.size() != m) return false;
  }
  if (g < 2 || m < 2) return false;  // one level only: the flat algorithm is the same thing
  const double n = static_cast<double>(g * m);
  const int gi = static_cast<int>(g), mi = static_cast<int>(m);
  auto intra = [&](int steps, double chunk) {
    Phase p;
    for (const auto& node : by_node) plan_ring(node, steps, chunk, p);
    add_phase(std::move(p));
  };
  auto inter = [&](int steps, double chunk) {
    Phase p;
    for (std::size_t local = 0; local < m; ++local) {
      std::vector<int> rail;
      for (const auto& node : by_node) rail.push_back(node[local]);
      plan_ring(rail, steps, chunk, p);
    }
    add_phase(std::move(p));
  };
  switch (op_) {
    case scenarios::CollectiveOp::kAllReduce:
      intra(mi - 1, bytes / m);
      inter(2 * (gi - 1), bytes / n);
      intra(mi - 1, bytes / m);
      return true;
    case scenarios::CollectiveOp::kAllGather:
      inter(gi - 1, bytes / n);
      intra(mi - 1, bytes / m);
      return true;
    case scenarios::CollectiveOp::kReduceScatter:
      intra(mi - 1, bytes / m);
      inter(gi - 1, bytes / n);
      return true;
    case scenarios::CollectiveOp::kBroadcast: {
      // The root's node goes first and the root is its head; other nodes start at their first rank.
      const int k = pipeline_chunks(bytes);
      std::size_t root_node = 0;
      for (std::size_t i = 0; i < g; ++i) {
        if (std::find(by_node[i].begin(), by_node[i].end(), root_gpu) != by_node[i].end()) root_node = i;
      }
      std::vector<std::vector<int>> chains(g);
      std::vector<int> heads;
      for (std::size_t step = 0; step < g; ++step) {
        const std::size_t i = (root_node + step) % g;
        std::vector<int> chain = by_node[i];
        if (i == root_node) std::rotate(chain.begin(), std::find(chain.begin(), chain.end(), root_gpu), chain.end());
        heads.push_back(chain.front());
        chains[i] = std::move(chain);
      }
      Phase across;
      across.chunk_bytes = bytes / k;
      plan_chain(heads, k, 0, across);
      add_phase(std::move(across));
      Phase inside;
      inside.chunk_bytes = bytes / k;
      for (const auto& chain : chains) plan_chain(chain, k, 0, inside);
      add_phase(std::move(inside));
      return true;
    }
    default:
      return false;
  }
}

void CollectivePlan::add_phase(Phase phase) {
  if (phase.edges.empty()) return;
  int last = 0;
  for (const Edge& e : phase.edges) last = std::max(last, e.offset + phase.chunks);
  phase.steps = last;
  phase.first_step = step_count_;
  change_points_.push_back(step_count_);
  for (const Edge& e : phase.edges) {
    change_points_.push_back(step_count_ + e.offset);
    if (e.offset + phase.chunks < last) change_points_.push_back(step_count_ + e.offset + phase.chunks);
  }
  step_count_ += phase.steps;
  phases_.push_back(std::move(phase));
}

void CollectivePlan::step(int s, std::vector<Transfer>& out) const {
  out.clear();
  for (const Phase& p : phases_) {
    if (s < p.first_step || s >= p.first_step + p.steps) continue;
    const int t = s - p.first_step;
    for (const Edge& e : p.edges) {
      const int c = t - e.offset;
      if (c >= 0 && c < p.chunks) out.push_back({e.from, e.to, p.chunk_bytes});
    }
    return;
  }
  throw std::out_of_range("collective: step " + std::to_string(s) + " of " + std::to_string(step_count_));
}

void CollectivePlan::append_pairs(std::vector<std::pair<int, int>>& out) const {
  for (const Phase& p : phases_) {
    for (const Edge& e : p.edges) out.emplace_back(e.from, e.to);
  }
}

std::vector<Transfer> pair_shares(scenarios::CollectiveOp op, scenarios::CollectiveAlgorithm algorithm,
                                  const std::vector<int>& ranks, const topology::ClusterGraph& graph) {
  constexpr double kReference = 64.0 * (1 << 20);  // any size: the shares are per byte
  CollectiveCall c;
  c.op = op;
  c.algorithm = algorithm;
  c.bytes = kReference;
  c.ranks = ranks;
  const CollectivePlan plan(c, graph);
  std::map<std::pair<int, int>, double> per_pair;
  std::vector<Transfer> step;
  for (int s = 0; s < plan.step_count(); ++s) {
    plan.step(s, step);
    for (const Transfer& t : step) per_pair[{t.from, t.to}] += t.bytes / kReference;
  }
  std::vector<Transfer> out;
  out.reserve(per_pair.size());
  for (const auto& [pair, share] : per_pair) out.push_back({pair.first, pair.second, share});
  return out;
}

}  // namespace stratum::sim
