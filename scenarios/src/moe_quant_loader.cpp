#include "moe_quant_loader.hpp"

#include <set>
#include <string>
#include <vector>

#include "precision_pb.hpp"
#include "stratum/scenarios/quantization.hpp"

namespace stratum::scenarios::detail {

namespace {

// Upper bound of serving.moe.zipf_skew. Assumption (a sanity bound, no published limit): at s = 4
// the most popular expert already takes 1 / zeta(4) = 92 % of all routed tokens, so larger values
// describe no router worth simulating and are most likely typos.
constexpr double kMaxZipfSkew = 4.0;

// "FP8, BF16 or FP16": the activation formats valid_activations() allows for `weights`.
std::string allowed(Precision weights) {
  std::vector<std::string> names;
  for (Precision a : {Precision::kBf16, Precision::kFp16, Precision::kFp8, Precision::kInt8, Precision::kInt4}) {
    if (valid_activations(weights, a)) names.emplace_back(to_string(a));
  }
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

const char* peak_field(Precision format) {
  switch (format) {
    case Precision::kBf16: return "peak_bf16";
    case Precision::kFp16: return "peak_fp16";
    case Precision::kFp8: return "peak_fp8";
    case Precision::kInt8:
    case Precision::kInt4: return "peak_int8";
  }
  return "peak";
}

}  // namespace

void load_moe(const pb::Serving& msg, Checker& c, ServingSpec& out) {
  if (!msg.has_moe()) return;
  if (!out.model.id.empty() && out.model.experts == 0) {
    c.error("serving.moe", "serving.moe is set but " + out.model.id +
                               " is a dense model; expected serving.moe only for a mixture-of-experts model (experts > 0 "
                               "in scenarios/catalog/models.pbtxt)");
    return;
  }
  const pb::MoeRouting& m = msg.moe();
  if (m.has_zipf_skew() &&
      c.real_range("serving.moe.zipf_skew", m.zipf_skew(), 0, false, kMaxZipfSkew, "from 0 to 4")) {
    out.moe.zipf_skew = m.zipf_skew();
  }
}

void load_activations(const pb::Serving& msg, const ClusterSpec& cluster, Checker& c, ServingSpec& out) {
  const std::string weights = to_string(out.precision);
  if (msg.has_activations()) {
    const Precision a = detail::precision_from_pb(msg.activations());
    if (!valid_activations(out.precision, a)) {
      c.error("serving.activations", "serving.activations " + std::string(to_string(a)) +
                                         " does not go with precision " + weights + "; expected " +
                                         allowed(out.precision));
      return;
    }
    out.activations = a;
  }
  const Precision compute = out.activations.value_or(default_activations(out.precision));
  // Only quantised GEMM inputs are checked: the 16-bit formats fall back to each other (roofline.cpp).
  if (compute != Precision::kFp8 && compute != Precision::kInt8) return;
  std::set<size_t> groups;
  for (const ReplicaSpec& r : out.replicas) {
    for (size_t g = 0; g < cluster.nodes.size(); ++g) {
      if (r.nodes.empty() || r.nodes == cluster.nodes[g].id) groups.insert(g);
    }
  }
  std::set<std::string> reported;
  const std::string path = msg.has_activations() ? "serving.activations" : "serving.precision";
  const std::string name = to_string(compute);
  for (const size_t g : groups) {
    const GpuSpec& gpu = cluster.nodes[g].gpu;
    if (gpu.id.empty() || tensor_peak(gpu, compute) > 0 || !reported.insert(gpu.id).second) continue;
    c.error(path, "serving.precision " + weights + " with activations " + name + " (W8A8) needs " + name +
                      " tensor cores, which " + gpu.id + " (cluster.nodes[" + std::to_string(g) + "] \"" +
                      cluster.nodes[g].id + "\") lacks (" + peak_field(compute) +
                      " 0 in scenarios/catalog/gpus.pbtxt); expected activations: BF16 (weight-only " + weights +
                      (out.precision == Precision::kFp8 ? ", as vLLM's FP8 Marlin kernel" : "") +
                      ") or a GPU with " + name + " tensor cores");
  }
}

}  // namespace stratum::scenarios::detail
