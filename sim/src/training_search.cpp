#include "stratum/sim/training_search.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "format.hpp"
#include "training_layout_json.hpp"
#include "stratum/calibration/cost_energy.hpp"
#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/calibration/layout_search.hpp"
#include "stratum/calibration/training_memory.hpp"
#include "stratum/calibration/training_step.hpp"
#include "stratum/sim/training_run.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace stratum::sim {
namespace {

using calibration::Recompute;
using calibration::TrainingLayout;

// Written next to the target and renamed over it, so a reader never sees half a file.
void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

scenarios::RankOrder other_order(scenarios::RankOrder order) {
  return order == scenarios::RankOrder::kTpCpEpDpPp ? scenarios::RankOrder::kTpCpEpPpDp
                                                    : scenarios::RankOrder::kTpCpEpDpPp;
}

}  // namespace

void check_search(const scenarios::Scenario& s, scenarios::Diagnostics& diags) {
  if (!s.training) {
    diags.error(s.where(""), "search needs a training section; expected training { model: ... global_batch: ... }");
    return;
  }
  if (s.cluster.nodes.empty()) {
    diags.error(s.where("cluster"), "the cluster has no nodes; expected cluster { nodes { ... } }");
    return;
  }
  check_training_fabric(s, diags);
}

SearchResult search_training_layouts(const scenarios::Scenario& s) {
  if (!s.training || s.cluster.nodes.empty()) throw std::invalid_argument("search: the scenario has no training section");
  const scenarios::TrainingSpec& t = *s.training;
  const scenarios::NodeGroup& g = s.cluster.nodes.front();
  calibration::LayoutSpace space;
  space.gpus = total_gpus(s.cluster);
  space.gpus_per_node = g.gpus_per_node;
  space.global_batch = t.global_batch;
  space.seq_len = t.seq_len;
  space.precision = t.precision;
  space.rank_order = t.rank_order;
  const calibration::LayoutEnumeration e = calibration::enumerate_layouts(t.model, space);
  SearchResult out;
  out.gpus = space.gpus;
  out.gpus_per_node = g.gpus_per_node;
  out.priced = s.cluster.market.has_value();
  out.candidates = e.candidates;
  out.valid = static_cast<int64_t>(e.layouts.size());
  // One cost model for every layout: the same one `stratum run` builds for this GPU.
  const auto costs = calibration::make_cost_model(g.gpu, s.profiles);
  // The cluster's oversubscribed tiers, once for every layout (training_contention.hpp).
  const FabricCuts cuts = fabric_cuts(s.cluster);
  std::vector<SearchRow> rows;
  rows.reserve(e.layouts.size());
  for (size_t i = 0; i < e.layouts.size(); ++i) {
    SearchRow r;
    r.layout = e.layouts[i];
    r.index = static_cast<int64_t>(i);
    // Memory first: it is cheap, and a layout that does not fit is not priced.
    // Today's software (docs/models.md section 11: search ranks with the defaults), with the
    // scenario's dropout and gradient-buffer format, as `stratum run` uses them.
    calibration::TrainingStepOptions options;
    options.memory = training_step_options(t).memory;
    options.memory = calibration::step_memory_options(options);  // the default kernels' attention core
    const calibration::TrainingMemory m = calibration::training_memory(t.model, g.gpu, r.layout, options.memory);
    r.memory_bytes = m.total();
    r.capacity_bytes = m.capacity;
    r.fits = m.fits();
    r.lightest_fitting = r.layout.recompute;
    if (!r.fits) {
      r.oom_term = m.largest_term();
      ++out.out_of_memory_by_term[r.oom_term];
    } else {
      // Recomputation is the innermost loop of the enumeration (none, selective, full), and
      // validity does not depend on it: the lighter variants of this layout are the rows just before.
      for (size_t back = 1; back <= static_cast<size_t>(r.layout.recompute) && back <= rows.size(); ++back) {
        const SearchRow& lighter = rows[rows.size() - back];
        if (lighter.fits) r.lightest_fitting = lighter.layout.recompute;
      }
      TrainingLinkPlan links = training_links(s, r.layout, &cuts);
      calibration::TrainingStep st =
          calibration::estimate_training_step(*costs, t.model, g.gpu, r.layout, links.links, options);
      // The other rank order, where it places some group differently (pipeline and data
      // parallelism both present) and is a valid layout: kept when strictly faster, so ties keep
      // the scenario's order.
      TrainingLayout other = r.layout;
      other.rank_order = other_order(r.layout.rank_order);
      if (r.layout.pp > 1 && r.layout.dp > 1 && calibration::validate_layout(other, t.model, space.gpus).empty()) {
        TrainingLinkPlan other_links = training_links(s, other, &cuts);
        calibration::TrainingStep other_step =
            calibration::estimate_training_step(*costs, t.model, g.gpu, other, other_links.links, options);
        if (other_step.step_time_s < st.step_time_s) {
          r.layout = other;
          links = std::move(other_links);
          st = std::move(other_step);
        }
      }
      r.step_time_s = st.step_time_s;
      r.tokens_per_s = st.tokens_per_s;
      r.mfu = st.mfu;
      r.hfu = st.hfu;
      r.tflops_per_gpu = st.tflops_per_gpu;
      r.bubble_fraction = st.bubble_fraction;
      r.dp_exposed_s = st.dp_exposed_s;
      if (s.cluster.market) {
        // The blended price of one GPU-second (market spot_fraction bought as spot), for every GPU.
        const scenarios::MarketSpec& market = *s.cluster.market;
        const double usd_per_gpu_s = ((1 - market.spot_fraction) * market.on_demand_usd_per_gpu_hour +
                                      market.spot_fraction * market.spot_usd_per_gpu_hour) / 3600.0;
        r.cost_per_million_tokens_usd = calibration::usd_per_million_tokens(
            usd_per_gpu_s * static_cast<double>(out.gpus) * st.step_time_s, static_cast<double>(r.layout.tokens_per_step()));
      }
      r.tp_intra = links.tp_intra;
      r.pp_intra = links.pp_intra;
      r.dp_intra = links.dp_intra;
      r.cp_intra = links.cp_intra;
      ++out.fitting;
    }
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const SearchRow& a, const SearchRow& b) {
    if (a.fits != b.fits) return a.fits;
    if (a.fits && a.step_time_s != b.step_time_s) return a.step_time_s < b.step_time_s;
    return a.index < b.index;
  });
  out.rows = std::move(rows);
  return out;
}

std::string search_why(const SearchRow& r) {
  const TrainingLayout& l = r.layout;
  std::string why;
  if (!r.fits) {
    return "does not fit: needs " + fixed(r.memory_bytes / 1e9, 1) + " GB per GPU, " +
           fixed(r.capacity_bytes / 1e9, 1) + " GB usable; largest term " + r.oom_term;
  }
  if (l.recompute == Recompute::kNone) {
    why = "fits without recomputation";
  } else if (r.lightest_fitting == l.recompute) {
    why = std::string("fits only with ") + calibration::to_string(l.recompute) + " recomputation";
  } else {
    why = std::string(calibration::to_string(l.recompute)) + " recomputation (fits with " +
          calibration::to_string(r.lightest_fitting) + " too)";
  }
  if (l.pp > 1) {
    why += "; bubble " + fixed(100.0 * r.bubble_fraction, 1) + " %";
    if (l.schedule == calibration::PipelineSchedule::kInterleaved) {
      why += " (interleaved x" + std::to_string(l.virtual_stages) + ")";
    }
    if (l.account_for_embedding || l.account_for_loss) why += "; embedding and loss counted as layers of the split";
    if (l.rank_order == scenarios::RankOrder::kTpCpEpPpDp) why += "; each pipeline on neighbouring GPUs (tp-cp-ep-pp-dp)";
  }
  if (l.tp > 1) why += std::string("; TP ") + std::to_string(l.tp) + (r.tp_intra ? " inside a node" : " across nodes");
  if (l.cp > 1) why += std::string("; CP ") + std::to_string(l.cp) + (r.cp_intra ? " inside a node" : " across nodes");
  if (l.pp > 1 && !r.pp_intra) why += "; PP over NICs";
  if (l.dp > 1) {
    why += std::string("; DP ") + std::to_string(l.dp) + (r.dp_intra ? " inside a node" : " over NICs");
    if (r.step_time_s > 0) why += ", " + fixed(100.0 * r.dp_exposed_s / r.step_time_s, 1) + " % exposed";
  }
  if (l.zero_stage > 0) why += "; ZeRO-" + std::to_string(l.zero_stage);
  why += "; " + fixed(r.memory_bytes / 1e9, 1) + " of " + fixed(r.capacity_bytes / 1e9, 1) + " GB";
  return why;
}

std::string search_csv(const SearchResult& result) {
  std::string out =
      "rank,dp,tp,pp,cp,ep,virtual_stages,split,rank_order,sequence_parallel,zero_stage,recompute,schedule,micro_batch,"
      "micro_batches,memory_bytes_per_gpu,capacity_bytes,fits,oom_term,step_time_s,tokens_per_s,mfu,hfu,"
      "tflops_per_gpu,bubble_fraction";
  out += result.priced ? ",cost_per_million_tokens_usd\n" : "\n";
  long long rank = 0;
  for (const SearchRow& r : result.rows) {
    const TrainingLayout& l = r.layout;
    CsvRow row(out);
    if (r.fits) {
      row.integer(++rank);
    } else {
      row.blank();
    }
    row.integer(l.dp)
        .integer(l.tp)
        .integer(l.pp)
        .integer(l.cp)
        .integer(l.ep)
        .integer(l.virtual_stages)
        .text(l.account_for_embedding || l.account_for_loss ? "embedding_and_loss" : "even")
        .text(scenarios::to_string(l.rank_order))
        .integer(l.sequence_parallel ? 1 : 0)
        .integer(l.zero_stage)
        .text(calibration::to_string(l.recompute))
        .text(calibration::to_string(l.schedule))
        .integer(static_cast<long long>(l.micro_batch))
        .integer(static_cast<long long>(l.micro_batches()))
        .number(r.memory_bytes)
        .number(r.capacity_bytes)
        .integer(r.fits ? 1 : 0)
        .text(r.oom_term);
    if (r.fits) {
      row.number(r.step_time_s).number(r.tokens_per_s).number(r.mfu).number(r.hfu).number(r.tflops_per_gpu).number(
          r.bubble_fraction);
      if (result.priced) row.number(r.cost_per_million_tokens_usd);
    } else {
      row.blank().blank().blank().blank().blank().blank();
      if (result.priced) row.blank();
    }
  }
  return out;
}

void write_search_results(const std::string& dir, const scenarios::Scenario& scenario, const SearchResult& result,
                          const RunInfo& info, int top) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  fs::create_directories(target);
  write_file_atomic(target / "search.csv", search_csv(result));
  Json j = Json::parse(run_header_json(scenario, info));
  j["wall_time_s"] = info.wall_s;
  j["prepare_wall_s"] = info.prepare_s;
  j["search_wall_s"] = info.simulate_s;
  j["peak_rss_bytes"] = info.peak_rss_bytes;
  j["search"] = {{"gpus", result.gpus},
                 {"candidates", result.candidates},
                 {"valid", result.valid},
                 {"fitting", result.fitting},
                 {"out_of_memory", result.valid - result.fitting}};
  Json oom = Json::object();
  for (const auto& [term, n] : result.out_of_memory_by_term) oom[term] = n;
  j["search"]["out_of_memory_by_term"] = oom;
  Json best = Json::array();
  for (const SearchRow& r : result.rows) {
    if (!r.fits || static_cast<int>(best.size()) >= top) break;
    best.push_back({{"layout", training_layout_json(r.layout, /*with_batch=*/false)},
                    {"step_time_s", r.step_time_s},
                    {"tokens_per_s", r.tokens_per_s},
                    {"mfu", r.mfu},
                    {"tflops_per_gpu", r.tflops_per_gpu},
                    {"bubble_fraction", r.bubble_fraction},
                    {"memory_bytes_per_gpu", r.memory_bytes},
                    {"why", search_why(r)}});
    if (result.priced) best.back()["cost_per_million_tokens_usd"] = r.cost_per_million_tokens_usd;
  }
  j["search"]["best"] = best;
  write_file_atomic(target / "search.json", j.dump(2) + "\n");
}

}  // namespace stratum::sim
