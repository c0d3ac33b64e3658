#include "stratum/scenarios/catalog.hpp"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "checker.hpp"
#include "embedded.hpp"
#include "stratum/catalog.pb.h"
#include "text_parse.hpp"

namespace stratum::scenarios {
namespace {

using detail::Checker;

// Sanity bounds that catch unit slips in catalogue entries, not physical limits. Assumptions:
// each is about 10x or more beyond the largest figure of any shipping part (NVIDIA B200/GB200
// datasheets: 192 GB HBM3e at 8 TB/s, 2.25 PFLOP/s dense BF16, 1.8 TB/s NVLink bidirectional,
// 1,200 W), so a value beyond it is almost surely a typo.
constexpr double kMaxMemoryBytes = 10e12;
constexpr double kMaxBandwidth = 1e15;
constexpr double kMaxFlops = 1e18;
constexpr double kMaxWatts = 1e5;

void check_gpu(const pb::Gpu& g, const std::string& path, Checker& c, GpuSpec& out) {
  out.id = g.id();
  out.name = g.name();
  out.source = g.source();
  out.secondary_source = g.secondary_source();
  if (!g.has_id() || g.id().empty()) c.missing(path + ".id", "a catalogue id such as \"h100-sxm5-80gb\"");
  if (!g.has_name() || g.name().empty()) c.missing(path + ".name", "the marketing name");
  if (!g.has_source() || g.source().empty()) c.missing(path + ".source", "the datasheet the figures come from");
  struct Field {
    bool present;
    const std::string* text;
    const char* name;
    Quantity kind;
    double* value;
    double hi;
    bool zero_ok;  // 0 = unsupported / absent
  };
  const Field fields[] = {
      {g.has_memory(), &g.memory(), "memory", Quantity::kBytes, &out.memory_bytes, kMaxMemoryBytes, false},
      {g.has_memory_bandwidth(), &g.memory_bandwidth(), "memory_bandwidth", Quantity::kBandwidth,
       &out.memory_bandwidth, kMaxBandwidth, false},
      {g.has_peak_bf16(), &g.peak_bf16(), "peak_bf16", Quantity::kFlops, &out.peak_bf16_flops, kMaxFlops, true},
      {g.has_peak_fp16(), &g.peak_fp16(), "peak_fp16", Quantity::kFlops, &out.peak_fp16_flops, kMaxFlops, true},
      {g.has_peak_fp8(), &g.peak_fp8(), "peak_fp8", Quantity::kFlops, &out.peak_fp8_flops, kMaxFlops, true},
      {g.has_peak_int8(), &g.peak_int8(), "peak_int8", Quantity::kFlops, &out.peak_int8_ops, kMaxFlops, true},
      {g.has_peak_fp32(), &g.peak_fp32(), "peak_fp32", Quantity::kFlops, &out.peak_fp32_flops, kMaxFlops, true},
      {g.has_nvlink_bandwidth(), &g.nvlink_bandwidth(), "nvlink_bandwidth", Quantity::kBandwidth,
       &out.nvlink_bandwidth, kMaxBandwidth, true},
      {g.has_pcie_bandwidth(), &g.pcie_bandwidth(), "pcie_bandwidth", Quantity::kBandwidth, &out.pcie_bandwidth,
       kMaxBandwidth, false},
      {g.has_tdp(), &g.tdp(), "tdp", Quantity::kPower, &out.tdp_watts, kMaxWatts, false},
  };
  for (const Field& f : fields) {
    const std::string p = path + "." + f.name;
    if (!f.present) {
      c.missing(p, std::string(describe(f.kind)) + " with a unit, one of: " + expected_units(f.kind));
      continue;
    }
    const std::string bounds = std::string(f.zero_ok ? "from 0" : "greater than 0") + " to " +
                               detail::format_number(f.hi) + " (SI units)";
    c.quantity_range(p, *f.text, f.kind, *f.value, 0, !f.zero_ok, f.hi, bounds);
  }
  // Idle board power. Without a figure in the catalogue: 10 % of TDP, an assumption (no
  // measurement cited); energy accounting (calibration/cost_energy.hpp) uses it for idle GPU time.
  constexpr double kIdlePowerShareOfTdp = 0.10;
  if (g.has_idle_power()) {
    const std::string p = path + ".idle_power";
    if (c.quantity(p, g.idle_power(), Quantity::kPower, out.idle_power_watts) &&
        (out.idle_power_watts < 0 || out.idle_power_watts > out.tdp_watts)) {
      c.error(p, p + " is \"" + g.idle_power() + "\"; expected from 0 W to the tdp (" + g.tdp() + ")");
    }
    if (!g.has_idle_power_source() || g.idle_power_source().empty()) {
      c.missing(path + ".idle_power_source", "the measurement or paper idle_power comes from");
    }
    out.idle_power_source = g.idle_power_source();
  } else {
    out.idle_power_watts = kIdlePowerShareOfTdp * out.tdp_watts;
    out.idle_power_source = "assumption: 10 % of TDP";
  }
  // A list price is above 0: a GPU without one omits it (a market may still price GPUs at 0).
  if (g.has_on_demand_per_gpu_hour()) {
    const std::string p = path + ".on_demand_per_gpu_hour";
    c.quantity_range(p, g.on_demand_per_gpu_hour(), Quantity::kMoney, out.on_demand_usd_per_gpu_hour, 0, true,
                     kMaxUsdPerGpuHour, "greater than 0 and at most 10000 USD per GPU-hour");
    if (!g.has_on_demand_source() || g.on_demand_source().empty()) {
      c.missing(path + ".on_demand_source", "the provider, instance, date and report the price comes from");
    }
    out.on_demand_source = g.on_demand_source();
  } else if (g.has_on_demand_source()) {
    c.error(path + ".on_demand_source", path + ".on_demand_source is set without on_demand_per_gpu_hour; expected "
                                               "both or neither");
  }
  if (g.has_peak_bf16() && g.has_peak_fp16() && out.peak_bf16_flops == 0 && out.peak_fp16_flops == 0) {
    c.error(path + ".peak_bf16", path + " has neither BF16 nor FP16 throughput; expected at least one above 0");
  }
}

// DeepSeek-style fields: shared experts, dense leading layers and multi-head latent attention. Their
// bounds are sanity checks (assumption), as for the fields above.
void check_moe_and_mla(const pb::Model& m, const std::string& path, Checker& c, ModelSpec& out) {
  const bool moe = m.experts() != 0;
  if (m.has_shared_experts()) {
    if (!moe) {
      c.error(path + ".shared_experts", path + ".shared_experts is set on a dense model; expected experts > 0");
    } else if (c.int_range(path + ".shared_experts", m.shared_experts(), 0, 1 << 10)) {
      out.shared_experts = m.shared_experts();
    }
  }
  if (m.has_dense_layers()) {
    if (!moe) {
      c.error(path + ".dense_layers", path + ".dense_layers is set on a dense model; expected experts > 0");
    } else if (c.int_range(path + ".dense_layers", m.dense_layers(), 0, std::max<int64_t>(0, out.layers - 1))) {
      out.dense_layers = m.dense_layers();
    }
  }
  if (m.has_dense_ffn_hidden()) {
    if (c.int_range(path + ".dense_ffn_hidden", m.dense_ffn_hidden(), 1, 1 << 22)) {
      out.dense_ffn_hidden = m.dense_ffn_hidden();
    }
  } else if (out.dense_layers > 0) {
    c.missing(path + ".dense_ffn_hidden", "the dense layers' intermediate size (intermediate_size)");
  }
  if (m.has_kv_lora_rank()) {
    if (c.int_range(path + ".kv_lora_rank", m.kv_lora_rank(), 1, 1 << 16)) out.kv_lora_rank = m.kv_lora_rank();
    if (!m.has_rope_head_dim()) {
      c.missing(path + ".rope_head_dim", "the decoupled RoPE head width (qk_rope_head_dim) of MLA");
    }
  }
  if (m.has_rope_head_dim() || m.has_q_lora_rank()) {
    if (!m.has_kv_lora_rank()) {
      c.error(path + (m.has_rope_head_dim() ? ".rope_head_dim" : ".q_lora_rank"),
              path + (m.has_rope_head_dim() ? ".rope_head_dim" : ".q_lora_rank") +
                  " is set without kv_lora_rank; expected both for multi-head latent attention");
    }
  }
  if (m.has_rope_head_dim() && c.int_range(path + ".rope_head_dim", m.rope_head_dim(), 1, 1 << 14)) {
    out.rope_head_dim = m.rope_head_dim();
  }
  if (m.has_q_lora_rank() && c.int_range(path + ".q_lora_rank", m.q_lora_rank(), 0, 1 << 16)) {
    out.q_lora_rank = m.q_lora_rank();
  }
}

void check_model(const pb::Model& m, const std::string& path, Checker& c, ModelSpec& out) {
  out.id = m.id();
  out.name = m.name();
  out.source = m.source();
  if (!m.has_id() || m.id().empty()) c.missing(path + ".id", "a catalogue id such as \"llama-3.1-8b\"");
  if (!m.has_name() || m.name().empty()) c.missing(path + ".name", "the published name");
  if (!m.has_source() || m.source().empty()) c.missing(path + ".source", "the model card or paper");
  // Bounds are sanity checks against typos, an assumption: 10x or more beyond the largest
  // published dense model dimensions (Llama 3.1 405B: 126 layers, hidden 16384, 128 heads).
  struct Field {
    bool present;
    int64_t value;
    const char* name;
    int64_t* out;
    int64_t lo, hi;
  };
  const Field fields[] = {
      {m.has_layers(), m.layers(), "layers", &out.layers, 1, 10000},
      {m.has_hidden(), m.hidden(), "hidden", &out.hidden, 1, 1 << 20},
      {m.has_heads(), m.heads(), "heads", &out.heads, 1, 1 << 14},
      {m.has_kv_heads(), m.kv_heads(), "kv_heads", &out.kv_heads, 1, 1 << 14},
      {m.has_ffn_hidden(), m.ffn_hidden(), "ffn_hidden", &out.ffn_hidden, 1, 1 << 22},
      {m.has_vocab(), m.vocab(), "vocab", &out.vocab, 1, 1 << 24},
      {m.has_max_context(), m.max_context(), "max_context", &out.max_context, 1, int64_t{1} << 34},
  };
  for (const Field& f : fields) {
    const std::string p = path + "." + f.name;
    if (!f.present) {
      c.missing(p, "an integer from " + std::to_string(f.lo) + " to " + std::to_string(f.hi));
    } else if (c.int_range(p, f.value, f.lo, f.hi)) {
      *f.out = f.value;
    }
  }
  out.gated_mlp = m.has_gated_mlp() ? m.gated_mlp() : true;
  out.tied_embeddings = m.tied_embeddings();
  if (out.heads > 0 && out.kv_heads > 0 && out.heads % out.kv_heads != 0) {
    c.error(path + ".kv_heads", path + ".kv_heads " + std::to_string(out.kv_heads) + " does not divide heads " +
                                    std::to_string(out.heads) + "; expected a divisor (grouped-query attention)");
  }
  if (m.has_head_dim()) {
    if (c.int_range(path + ".head_dim", m.head_dim(), 1, 1 << 14)) out.head_dim = m.head_dim();
  } else if (out.heads > 0 && out.hidden % out.heads == 0) {
    out.head_dim = out.hidden / out.heads;
  } else if (out.heads > 0) {
    c.missing(path + ".head_dim", "head_dim, as hidden is not a multiple of heads");
  }
  if (m.experts() != 0 || m.experts_per_token() != 0) {
    if (c.int_range(path + ".experts", m.experts(), 2, 1 << 16)) out.experts = m.experts();
    if (c.int_range(path + ".experts_per_token", m.experts_per_token(), 1, std::max<int64_t>(1, m.experts()))) {
      out.experts_per_token = m.experts_per_token();
    }
  }
  check_moe_and_mla(m, path, c, out);
  if (!m.has_params()) {
    c.missing(path + ".params", "the published parameter count, e.g. 8.03e9");
  } else if (c.real_range(path + ".params", m.params(), 0, true, 1e15, "greater than 0 and at most 1e15")) {
    out.params = m.params();
  }
}

template <typename Spec>
void check_unique(const std::vector<Spec>& specs, const char* list, Checker& c) {
  std::set<std::string> seen;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].id.empty()) continue;
    if (!seen.insert(specs[i].id).second) {
      const std::string p = std::string(list) + "[" + std::to_string(i) + "].id";
      c.error(p, p + " \"" + specs[i].id + "\" repeats an earlier entry; expected unique ids");
    }
  }
}

}  // namespace

const GpuSpec* Catalog::find_gpu(const std::string& id) const {
  for (const GpuSpec& g : gpus_) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

const ModelSpec* Catalog::find_model(const std::string& id) const {
  for (const ModelSpec& m : models_) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

Catalog Catalog::parse(const std::string& gpus_text, const std::string& gpus_file, const std::string& models_text,
                       const std::string& models_file, Diagnostics& diags) {
  Catalog catalog;
  {
    pb::GpuCatalog message;
    std::map<std::string, SourceLocation> locations;
    if (detail::check_text(gpus_text, gpus_file, diags) &&
        detail::parse_text(gpus_text, gpus_file, message, diags, &locations)) {
      Checker c(locations, gpus_file, diags);
      if (message.gpu_size() == 0) c.missing("gpu", "at least one gpu { ... } entry");
      for (int i = 0; i < message.gpu_size(); ++i) {
        GpuSpec spec;
        check_gpu(message.gpu(i), "gpu[" + std::to_string(i) + "]", c, spec);
        catalog.gpus_.push_back(std::move(spec));
      }
      check_unique(catalog.gpus_, "gpu", c);
    }
  }
  {
    pb::ModelCatalog message;
    std::map<std::string, SourceLocation> locations;
    if (detail::check_text(models_text, models_file, diags) &&
        detail::parse_text(models_text, models_file, message, diags, &locations)) {
      Checker c(locations, models_file, diags);
      if (message.model_size() == 0) c.missing("model", "at least one model { ... } entry");
      for (int i = 0; i < message.model_size(); ++i) {
        ModelSpec spec;
        check_model(message.model(i), "model[" + std::to_string(i) + "]", c, spec);
        catalog.models_.push_back(std::move(spec));
      }
      check_unique(catalog.models_, "model", c);
    }
  }
  return catalog;
}

const Catalog& Catalog::builtin() {
  // Parsed once, on first use (thread-safe static initialisation).
  static const Catalog catalog = [] {
    Diagnostics diags;
    Catalog c = parse(std::string(detail::kGpusPbtxt), "scenarios/catalog/gpus.pbtxt",
                      std::string(detail::kModelsPbtxt), "scenarios/catalog/models.pbtxt", diags);
    if (!diags.ok()) {
      std::fprintf(stderr, "stratum: the built-in catalogue does not parse (a build defect):\n%s",
                   diags.to_string().c_str());
      std::abort();
    }
    return c;
  }();
  return catalog;
}

}  // namespace stratum::scenarios
