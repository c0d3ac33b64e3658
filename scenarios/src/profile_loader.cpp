// load_profile / parse_profile: a calibration profile's text (profile.proto) into a checked
// Profile, with every problem located file:line:col, all of them at once (DESIGN.md section 2).
#include <cctype>
#include <filesystem>

#include "checker.hpp"
#include "precision_pb.hpp"
#include "stratum/profile.pb.h"
#include "stratum/scenarios/profile.hpp"
#include "stratum/scenarios/suggest.hpp"
#include "text_parse.hpp"

namespace stratum::scenarios {
namespace {

using detail::Checker;

// Sanity bounds that catch typos and unit slips, not physical limits; all are assumptions with
// no published source, chosen far beyond any kernel stratum-calibrate times:
// - one kernel, collective or copy over an hour is surely a unit slip (the longest timed case,
//   a full transformer layer, takes milliseconds);
constexpr double kMaxKernelTime = 3600;
// - 2^24 (16,777,216) bounds every shape dimension: over 100x the longest context of any model in
//   the catalogue and the widest hidden size, and small enough that products of three stay exact
//   in a double;
constexpr int64_t kMaxDimension = int64_t{1} << 24;
// - 1 TiB per buffer is over 5x the largest GPU memory in the catalogue (the scenario loader's
//   collectives bound too);
constexpr double kMaxBytes = 1099511627776.0;
// - 2^20 ranks is 64x Llama 3's 16,384-GPU training cluster (Llama 3 paper, 2024, section 3.3);
constexpr int64_t kMaxRanks = int64_t{1} << 20;
// - a billion repetitions of even a 1 us kernel is over 16 minutes of timing per case;
constexpr int64_t kMaxRepetitions = 1000000000;
// - 100 GHz is 50x the fastest GPU clock (H100 SXM5 boost 1,980 MHz, NVIDIA H100 datasheet);
constexpr double kMaxClock = 100e9;
// - 100 kW is the catalogue's power bound (scenarios/src/catalog.cpp: ~80x a B200's 1,200 W).
constexpr double kMaxPower = 1e5;

constexpr const char* kGpuCatalogFile = "scenarios/catalog/gpus.pbtxt";
constexpr const char* kModelCatalogFile = "scenarios/catalog/models.pbtxt";

std::string q(const std::string& s) { return "\"" + s + "\""; }

CollectiveOp from_pb(pb::CollectiveOp op) {
  switch (op) {
    case pb::ALL_REDUCE: return CollectiveOp::kAllReduce;
    case pb::ALL_GATHER: return CollectiveOp::kAllGather;
    case pb::REDUCE_SCATTER: return CollectiveOp::kReduceScatter;
    case pb::ALL_TO_ALL: return CollectiveOp::kAllToAll;
    case pb::BROADCAST: return CollectiveOp::kBroadcast;
    case pb::SEND_RECV: return CollectiveOp::kSendRecv;
  }
  return CollectiveOp::kAllReduce;
}

CopyDirection from_pb(pb::CopyDirection d) {
  switch (d) {
    case pb::HOST_TO_DEVICE: return CopyDirection::kHostToDevice;
    case pb::DEVICE_TO_HOST: return CopyDirection::kDeviceToHost;
    case pb::DEVICE_TO_DEVICE: return CopyDirection::kDeviceToDevice;
  }
  return CopyDirection::kHostToDevice;
}

// ISO 8601 calendar date at the start: YYYY-MM-DD, then nothing or a time after 'T'.
bool iso_date(const std::string& s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(s[static_cast<size_t>(i)]))) return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && (s.size() == 10 || s[10] == 'T');
}

class ProfileBuilder {
 public:
  ProfileBuilder(const pb::Profile& msg, const Catalog& catalog, const std::map<std::string, SourceLocation>& locations,
                 const std::string& file, Profile& out, Diagnostics& diags)
      : msg_(msg), catalog_(catalog), out_(out), c_(locations, file, diags) {}

  void run() {
    header();
    for (int i = 0; i < msg_.gemm_size(); ++i) gemm(msg_.gemm(i), "gemm[" + std::to_string(i) + "]");
    for (int i = 0; i < msg_.attention_prefill_size(); ++i) {
      prefill(msg_.attention_prefill(i), "attention_prefill[" + std::to_string(i) + "]");
    }
    for (int i = 0; i < msg_.attention_decode_size(); ++i) {
      decode(msg_.attention_decode(i), "attention_decode[" + std::to_string(i) + "]");
    }
    for (int i = 0; i < msg_.collectives_size(); ++i) {
      collective(msg_.collectives(i), "collectives[" + std::to_string(i) + "]");
    }
    for (int i = 0; i < msg_.copies_size(); ++i) copy(msg_.copies(i), "copies[" + std::to_string(i) + "]");
    for (int i = 0; i < msg_.layers_size(); ++i) layer(msg_.layers(i), "layers[" + std::to_string(i) + "]");
    const int samples = msg_.gemm_size() + msg_.attention_prefill_size() + msg_.attention_decode_size() +
                        msg_.collectives_size() + msg_.copies_size() + msg_.layers_size();
    if (samples == 0) {
      c_.error("", "the profile has no samples; expected at least one gemm, attention_prefill, attention_decode, "
                   "collectives, copies or layers entry");
    }
  }

 private:
  void header() {
    if (!msg_.has_header()) {
      c_.missing("header", "header { gpu_id: \"...\" } naming the profiled GPU");
      return;
    }
    const pb::ProfileHeader& h = msg_.header();
    ProfileHeader& out = out_.header;
    if (!h.has_gpu_id() || h.gpu_id().empty()) {
      c_.missing("header.gpu_id", std::string("a GPU id from ") + kGpuCatalogFile);
    } else if (catalog_.find_gpu(h.gpu_id()) == nullptr) {
      std::vector<std::string> ids;
      for (const GpuSpec& g : catalog_.gpus()) ids.push_back(g.id);
      c_.error("header.gpu_id", "header.gpu_id " + q(h.gpu_id()) + " is not in " + kGpuCatalogFile + "; " +
                                    did_you_mean(h.gpu_id(), ids) + "expected one of: " + join(ids));
    }
    out.gpu_id = h.gpu_id();
    out.gpu_name = h.gpu_name();
    out.driver_version = h.driver_version();
    out.cuda_version = h.cuda_version();
    out.nccl_version = h.nccl_version();
    out.date = h.date();
    out.tool = h.tool();
    out.notes = h.notes();
    double hz = 0;
    if (h.has_sm_clock() && c_.quantity_range("header.sm_clock", h.sm_clock(), Quantity::kFrequency, hz, 0, true,
                                              kMaxClock, "greater than 0 and at most 100 GHz")) {
      out.sm_clock_mhz = hz / 1e6;
    }
    if (h.has_memory_clock() && c_.quantity_range("header.memory_clock", h.memory_clock(), Quantity::kFrequency, hz, 0,
                                                  true, kMaxClock, "greater than 0 and at most 100 GHz")) {
      out.memory_clock_mhz = hz / 1e6;
    }
    if (h.has_power_limit()) {
      c_.quantity_range("header.power_limit", h.power_limit(), Quantity::kPower, out.power_limit_w, 0, true, kMaxPower,
                        "greater than 0 and at most 100 kW");
    }
    if (h.has_date() && !iso_date(h.date())) {
      c_.error("header.date", "header.date " + q(h.date()) +
                                  " is not an ISO 8601 date; expected YYYY-MM-DD, optionally followed by a time such "
                                  "as T08:00:00Z");
    }
  }

  void timing(const std::string& sample, bool present, const pb::Timing& t, Timing& out) {
    const std::string p = sample + ".timing";
    if (!present) {
      c_.missing(p, "timing { median: \"...\" p10: \"...\" p90: \"...\" repetitions: ... }");
      return;
    }
    const std::string bounds = "greater than 0 and at most 1 h";
    const auto time = [&](const char* name, bool has, const std::string& text, double& value) {
      if (!has) {
        c_.missing(p + "." + name, "a time such as \"12.5 us\" (units: " + std::string(expected_units(Quantity::kTime)) +
                                       ")");
        return false;
      }
      return c_.quantity_range(p + "." + name, text, Quantity::kTime, value, 0, true, kMaxKernelTime, bounds);
    };
    const bool median_ok = time("median", t.has_median(), t.median(), out.median_s);
    const bool p10_ok = time("p10", t.has_p10(), t.p10(), out.p10_s);
    const bool p90_ok = time("p90", t.has_p90(), t.p90(), out.p90_s);
    if (median_ok && p10_ok && out.p10_s > out.median_s) {
      c_.error(p + ".p10", p + ".p10 " + q(t.p10()) + " is above the median " + q(t.median()) +
                               "; expected p10 <= median <= p90");
    }
    if (median_ok && p90_ok && out.p90_s < out.median_s) {
      c_.error(p + ".p90", p + ".p90 " + q(t.p90()) + " is below the median " + q(t.median()) +
                               "; expected p10 <= median <= p90");
    }
    if (!t.has_repetitions()) {
      c_.missing(p + ".repetitions", "the number of timed repetitions, at least 1");
    } else if (c_.int_range(p + ".repetitions", t.repetitions(), 1, kMaxRepetitions)) {
      out.repetitions = static_cast<int>(t.repetitions());
    }
  }

  // A shape dimension: required (missing is an error) or optional (keeps `out`), in [lo, hi].
  void dim(const std::string& path, bool required, bool present, int64_t value, int64_t lo, int64_t& out) {
    if (!present) {
      if (required) c_.missing(path, "an integer from " + std::to_string(lo) + " to " + std::to_string(kMaxDimension));
      return;
    }
    if (c_.int_range(path, value, lo, kMaxDimension)) out = value;
  }

  void dtype(const std::string& path, bool present, pb::Precision value, Precision& out) {
    if (!present) {
      c_.missing(path, "one of: " + join(detail::enum_names(*pb::Precision_descriptor())));
      return;
    }
    out = detail::precision_from_pb(value);
  }

  // Grouped-query attention shares each KV head among heads / kv_heads query heads.
  void heads(const std::string& p, int64_t heads, int64_t kv_heads, bool both_valid) {
    if (!both_valid) return;
    if (kv_heads > heads || heads % kv_heads != 0) {
      c_.error(p + ".kv_heads", p + ".kv_heads " + std::to_string(kv_heads) + " does not divide heads " +
                                    std::to_string(heads) + "; expected a divisor of heads (grouped-query attention)");
    }
  }

  void bytes(const std::string& path, bool present, const std::string& text, double& out) {
    if (!present) {
      c_.missing(path, "a size such as \"32 MiB\" (units: " + std::string(expected_units(Quantity::kBytes)) + ")");
      return;
    }
    c_.quantity_range(path, text, Quantity::kBytes, out, 0, true, kMaxBytes, "greater than 0 and at most 1 TiB");
  }

  size_t errors() { return c_.diags().errors().size(); }

  void gemm(const pb::GemmSample& m, const std::string& p) {
    GemmSample s;
    dim(p + ".m", true, m.has_m(), m.m(), 1, s.m);
    dim(p + ".n", true, m.has_n(), m.n(), 1, s.n);
    dim(p + ".k", true, m.has_k(), m.k(), 1, s.k);
    dim(p + ".groups", false, m.has_groups(), m.groups(), 1, s.groups);
    dtype(p + ".dtype", m.has_dtype(), m.dtype(), s.dtype);
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.gemm.push_back(s);
  }

  void prefill(const pb::AttentionPrefillSample& m, const std::string& p) {
    AttentionPrefillSample s;
    dim(p + ".batch", false, m.has_batch(), m.batch(), 1, s.batch);
    dim(p + ".new_tokens", true, m.has_new_tokens(), m.new_tokens(), 1, s.new_tokens);
    dim(p + ".context_before", false, m.has_context_before(), m.context_before(), 0, s.context_before);
    const size_t before = errors();
    dim(p + ".heads", true, m.has_heads(), m.heads(), 1, s.heads);
    dim(p + ".kv_heads", true, m.has_kv_heads(), m.kv_heads(), 1, s.kv_heads);
    heads(p, s.heads, s.kv_heads, errors() == before);
    dim(p + ".head_dim", true, m.has_head_dim(), m.head_dim(), 1, s.head_dim);
    dtype(p + ".dtype", m.has_dtype(), m.dtype(), s.dtype);
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.attention_prefill.push_back(s);
  }

  void decode(const pb::AttentionDecodeSample& m, const std::string& p) {
    AttentionDecodeSample s;
    dim(p + ".batch", false, m.has_batch(), m.batch(), 1, s.batch);
    dim(p + ".context", true, m.has_context(), m.context(), 1, s.context);
    const size_t before = errors();
    dim(p + ".heads", true, m.has_heads(), m.heads(), 1, s.heads);
    dim(p + ".kv_heads", true, m.has_kv_heads(), m.kv_heads(), 1, s.kv_heads);
    heads(p, s.heads, s.kv_heads, errors() == before);
    dim(p + ".head_dim", true, m.has_head_dim(), m.head_dim(), 1, s.head_dim);
    dim(p + ".block_size", false, m.has_block_size(), m.block_size(), 1, s.block_size);
    dtype(p + ".dtype", m.has_dtype(), m.dtype(), s.dtype);
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.attention_decode.push_back(s);
  }

  void collective(const pb::CollectiveSample& m, const std::string& p) {
    CollectiveSample s;
    if (!m.has_op()) {
      c_.missing(p + ".op", "one of: " + join(detail::enum_names(*pb::CollectiveOp_descriptor())));
    } else {
      s.op = from_pb(m.op());
    }
    bytes(p + ".bytes", m.has_bytes(), m.bytes(), s.bytes);
    int64_t ranks = 0;
    if (!m.has_ranks()) {
      c_.missing(p + ".ranks", "an integer from 1 to " + std::to_string(kMaxRanks));
    } else if (c_.int_range(p + ".ranks", m.ranks(), 1, kMaxRanks)) {
      ranks = m.ranks();
    }
    s.ranks = static_cast<int>(ranks);
    s.algorithm = m.algorithm();
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.collectives.push_back(std::move(s));
  }

  void copy(const pb::CopySample& m, const std::string& p) {
    CopySample s;
    if (!m.has_direction()) {
      c_.missing(p + ".direction", "one of: " + join(detail::enum_names(*pb::CopyDirection_descriptor())));
    } else {
      s.direction = from_pb(m.direction());
    }
    s.pinned = m.has_pinned() ? m.pinned() : true;
    bytes(p + ".bytes", m.has_bytes(), m.bytes(), s.bytes);
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.copies.push_back(s);
  }

  void layer(const pb::LayerSample& m, const std::string& p) {
    LayerSample s;
    if (!m.has_model() || m.model().empty()) {
      c_.missing(p + ".model", std::string("a model id from ") + kModelCatalogFile);
    } else if (catalog_.find_model(m.model()) == nullptr) {
      std::vector<std::string> ids;
      for (const ModelSpec& model : catalog_.models()) ids.push_back(model.id);
      c_.error(p + ".model", p + ".model " + q(m.model()) + " is not in " + kModelCatalogFile + "; " +
                                 did_you_mean(m.model(), ids) + "expected one of: " + join(ids));
    }
    s.model = m.model();
    if (!m.has_phase()) {
      c_.missing(p + ".phase", "one of: " + join(detail::enum_names(*pb::LayerPhase_descriptor())));
    } else {
      s.prefill = m.phase() == pb::PREFILL;
    }
    dim(p + ".batch", false, m.has_batch(), m.batch(), 1, s.batch);
    dim(p + ".tokens", true, m.has_tokens(), m.tokens(), 1, s.tokens);
    // A decode step reads at least one cached token; a prefill may start from an empty cache.
    const bool decode = m.has_phase() && m.phase() == pb::DECODE;
    if (decode && !m.has_context()) {
      c_.missing(p + ".context", "the cached tokens per sequence of a DECODE step, from 1 to " +
                                     std::to_string(kMaxDimension));
    } else {
      dim(p + ".context", false, m.has_context(), m.context(), decode ? 1 : 0, s.context);
    }
    dtype(p + ".dtype", m.has_dtype(), m.dtype(), s.dtype);
    timing(p, m.has_timing(), m.timing(), s.timing);
    out_.layers.push_back(std::move(s));
  }

  const pb::Profile& msg_;
  const Catalog& catalog_;
  Profile& out_;
  Checker c_;
};

}  // namespace

std::optional<Profile> parse_profile(std::string_view text, const std::string& file_label, const Catalog& catalog,
                                     Diagnostics& diags) {
  const size_t errors_before = diags.errors().size();
  if (text.size() > detail::kMaxInputBytes) {
    diags.error(SourceLocation{file_label, 0, 0}, "text is " + std::to_string(text.size()) + " bytes, larger than " +
                                                      std::to_string(detail::kMaxInputBytes >> 20) +
                                                      " MiB; expected a smaller calibration profile");
    return std::nullopt;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    diags.error(SourceLocation{file_label, 0, 0},
                "file is empty; expected a calibration profile in protobuf text format (header { gpu_id: ... } "
                "gemm { ... })");
    return std::nullopt;
  }
  if (!detail::check_text(text, file_label, diags)) return std::nullopt;
  pb::Profile message;
  std::map<std::string, SourceLocation> locations;
  // Syntax errors stop here: the parser cannot recover, so later checks would only mislead.
  if (!detail::parse_text(text, file_label, message, diags, &locations)) return std::nullopt;
  Profile profile;
  ProfileBuilder(message, catalog, locations, file_label, profile, diags).run();
  if (diags.errors().size() != errors_before) return std::nullopt;
  return profile;
}

std::optional<Profile> load_profile(const std::string& file, const Catalog& catalog, Diagnostics& diags) {
  std::string text;
  if (!detail::read_file(file, text, "calibration profile", diags)) return std::nullopt;
  return parse_profile(text, file, catalog, diags);
}

std::optional<Profile> load_profile(const std::string& file, Diagnostics& diags) {
  return load_profile(file, Catalog::builtin(), diags);
}

}  // namespace stratum::scenarios
