#pragma once
// How many NICs (or nodes) a fabric of given switch radix can hold. The loader refuses a cluster
// that does not fit; topology/ may use the same arithmetic to lay the switches out, so that what
// validates is what gets built. Pure integer arithmetic on the scenario's numbers.
#include <cstdint>

namespace stratum::scenarios {

// Ports of a switch that face down when it splits its `radix` ports down:up as
// `oversubscription`:1, i.e. floor(radix x o / (1 + o)) (FabricSpec: "radix / (1 + 1/o) down").
// At o = 1 it is radix / 2, the full-bisection split of a k-ary fat-tree (Al-Fares et al.,
// SIGCOMM 2008). The rest, radix minus this, face up; a valid fabric needs at least one.
int64_t down_ports(int64_t radix, double oversubscription);

// NICs a fat-tree of `levels` (2 or 3) levels of `radix`-port switches holds when its leaves are
// oversubscribed `oversubscription`:1. Every leaf reaches every switch above it, so a two-level
// tree has at most `radix` leaves (one spine port each) and a three-level tree `radix` pods of
// radix / 2 leaves (Al-Fares et al.: k pods of k/2 edge switches). Each leaf serves
// down_ports(radix, o) NICs:
//   levels 2: radix x down             (radix^2 / 2 at o = 1)
//   levels 3: radix^2 / 2 x down       (radix^3 / 4 at o = 1, Al-Fares et al.'s k^3/4 hosts)
// 0 for other levels.
int64_t fat_tree_nic_capacity(int levels, int64_t radix, double oversubscription);

// Nodes a two-tier rail-optimised fabric of `radix`-port switches holds with `rails` rails (NICs
// per node): each leaf takes radix / 2 nodes of one rail and sends radix / 2 links up; a spine
// reaches at most `radix` leaves, shared evenly by the rails: radix / 2 x floor(radix / rails).
// With radix 64 and 8 rails: 256 nodes (DGX SuperPOD scalable units are 32 nodes on 8 rail
// leaves of 64-port QM9700 switches, NVIDIA DGX SuperPOD reference architecture).
int64_t rail_optimized_node_capacity(int64_t radix, int64_t rails);

// NICs one pod of a multi-pod fabric holds: a two-level fat-tree of full bisection whose spines
// give down_ports(radix, pod_oversubscription) ports to leaves and the rest to the core; each
// leaf serves radix / 2 NICs. (radix^2 / 4 at o = 1, one pod of Al-Fares et al.'s fat-tree.)
// A fabric of a single pod has no core, so its spines give all ports down: use
// fat_tree_nic_capacity(2, radix, 1) for it.
int64_t multi_pod_pod_nic_capacity(int64_t radix, double pod_oversubscription);

// Pods a core of `radix`-port switches joins: each core switch gives one port to each pod.
int64_t multi_pod_max_pods(int64_t radix);

}  // namespace stratum::scenarios
