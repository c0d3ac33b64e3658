#include "cost_json.hpp"

#include <algorithm>
#include <map>

#include "stratum/calibration/cost_energy.hpp"

namespace stratum::sim {
namespace {

using Json = nlohmann::ordered_json;

struct GroupTime {
  double gpus = 0;     // GPUs of the node group
  double busy_s = 0;   // GPU-seconds busy
  double held_s = -1;  // GPU-seconds paid for; negative: every GPU for the whole run
};

// Spend and energy over the node groups, each at its own GPU's power.
calibration::CostEnergy account_groups(const scenarios::Scenario& s, const std::vector<GroupTime>& groups,
                                       double simulated_time_s) {
  calibration::CostEnergy total;
  for (size_t g = 0; g < groups.size(); ++g) {
    const scenarios::GpuSpec& gpu = s.cluster.nodes[g].gpu;
    calibration::GpuTime t;
    const double held = groups[g].held_s >= 0 ? groups[g].held_s : groups[g].gpus * simulated_time_s;
    t.busy_gpu_s = std::min(groups[g].busy_s, held);
    t.idle_gpu_s = held - t.busy_gpu_s;
    total += calibration::account(t, *s.cluster.market, gpu.tdp_watts, gpu.idle_power_watts);
  }
  return total;
}

std::vector<GroupTime> cluster_groups(const scenarios::Scenario& s) {
  std::vector<GroupTime> groups;
  for (const scenarios::NodeGroup& g : s.cluster.nodes) {
    groups.push_back({static_cast<double>(g.count) * g.gpus_per_node, 0.0});
  }
  return groups;
}

}  // namespace

Json cost_summary_json(const scenarios::Scenario& s, const calibration::CostEnergy& c, double simulated_time_s) {
  const scenarios::MarketSpec& m = *s.cluster.market;
  Json power = Json::array();
  for (const scenarios::NodeGroup& g : s.cluster.nodes) {
    power.push_back({{"gpu", g.gpu.id},
                     {"busy_power_w", g.gpu.tdp_watts},
                     {"idle_power_w", g.gpu.idle_power_watts},
                     {"idle_power_source", g.gpu.idle_power_source}});
  }
  Json out = {{"on_demand_usd_per_gpu_hour", m.on_demand_usd_per_gpu_hour}};
  // Only for a catalogue price, so that results with the scenario's own price keep their bytes.
  if (!m.on_demand_source.empty()) out["on_demand_source"] = m.on_demand_source;
  out["spot_usd_per_gpu_hour"] = m.spot_usd_per_gpu_hour;
  out["on_demand_gpu_s"] = c.on_demand_gpu_s;
  out["spot_gpu_s"] = c.spot_gpu_s;
  out["busy_gpu_s"] = c.busy_gpu_s;
  out["idle_gpu_s"] = c.idle_gpu_s;
  out["spend_on_demand_usd"] = c.spend_on_demand_usd;
  out["spend_spot_usd"] = c.spend_spot_usd;
  out["cost_usd"] = c.cost_usd;
  out["cost_usd_per_hour"] = simulated_time_s > 0 ? c.cost_usd / simulated_time_s * 3600.0 : 0.0;
  out["energy_j"] = c.energy_j;
  out["power"] = power;
  return out;
}

namespace {

Json per_million(double cost_usd, double tokens) {
  return tokens > 0 ? Json(calibration::usd_per_million_tokens(cost_usd, tokens)) : Json(nullptr);
}

}  // namespace

Json cost_index_json(const calibration::CostIndex& i, const char* efficiency_metric) {
  return {{"value", i.value},
          {"efficiency", i.efficiency},
          {"efficiency_metric", efficiency_metric},
          {"throughput_tokens_per_s", i.throughput_tokens_per_s},
          {"cost_usd_per_hour", i.cost_usd_per_hour},
          {"operational_complexity", i.operational_complexity}};
}

Json serving_cost_json(const scenarios::Scenario& s, const ServingRunResult& run, const ServingMetrics& metrics) {
  if (!s.cluster.market) return nullptr;
  std::vector<GroupTime> groups = cluster_groups(s);
  for (const InstanceSummary& inst : run.instances) {
    const auto g = static_cast<size_t>(inst.placement.node_group);
    if (g >= groups.size()) continue;
    groups[g].busy_s += inst.busy_s * inst.placement.gpus;
    if (inst.held_s >= 0) groups[g].held_s = std::max(0.0, groups[g].held_s) + inst.held_s * inst.placement.gpus;
  }
  const calibration::CostEnergy c = account_groups(s, groups, run.simulated_time_s);
  Json j = cost_summary_json(s, c, run.simulated_time_s);
  const double tokens = static_cast<double>(metrics.input_tokens + metrics.output_tokens);
  j["cost_per_million_tokens_usd"] = per_million(c.cost_usd, tokens);
  j["cost_per_million_output_tokens_usd"] = per_million(c.cost_usd, static_cast<double>(metrics.output_tokens));
  const double per_hour = run.simulated_time_s > 0 ? c.cost_usd / run.simulated_time_s * 3600.0 : 0.0;
  j["cost_index"] = cost_index_json(calibration::cost_index(metrics.slo_attainment, metrics.total_tokens_per_s, per_hour,
                                                       s.cluster.market->operational_complexity),
                               "slo_attainment");
  return j;
}

Json training_cost_json(const scenarios::Scenario& s, const TrainingRunResult& run) {
  if (!s.cluster.market || !s.training) return nullptr;
  std::vector<GroupTime> groups = cluster_groups(s);
  for (GroupTime& g : groups) g.busy_s = g.gpus * run.simulated_time_s * (1.0 - run.step.bubble_fraction);
  const calibration::CostEnergy c = account_groups(s, groups, run.simulated_time_s);
  Json j = cost_summary_json(s, c, run.simulated_time_s);
  const double steps = static_cast<double>(s.training->steps);
  const double tokens = static_cast<double>(run.layout.tokens_per_step()) * steps;
  j["cost_per_step_usd"] = steps > 0 ? c.cost_usd / steps : 0.0;
  j["cost_per_million_tokens_usd"] = per_million(c.cost_usd, tokens);
  const double per_hour = run.simulated_time_s > 0 ? c.cost_usd / run.simulated_time_s * 3600.0 : 0.0;
  j["cost_index"] = cost_index_json(calibration::cost_index(run.step.mfu, run.step.tokens_per_s, per_hour,
                                                       s.cluster.market->operational_complexity),
                               "mfu");
  return j;
}

}  // namespace stratum::sim
