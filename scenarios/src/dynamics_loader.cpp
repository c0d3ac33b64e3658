#include "dynamics_loader.hpp"

#include "storage_loader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions: no published limit applies; each is far above any real run).
constexpr double kMaxTime = 366.0 * 86400;    // one year, the loader's bound on simulated time
constexpr double kMaxRate = 1.0;              // one event per second per node or GPU
constexpr double kMaxScale = 1e6;
constexpr int64_t kMaxNodes = 100000;         // the loader's bound on nodes in a cluster
constexpr size_t kMaxTraceRows = 10000000;

std::string q(const std::string& s) { return "\"" + s + "\""; }

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// A trace time: a quantity with a time unit ("3 h") or a bare number of seconds.
bool parse_trace_time(const std::string& text, double& out, std::string& error) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(v)) {
    out = v;
    return true;
  }
  return parse_quantity(text, Quantity::kTime, out, error);
}

// Reads the availability trace (format in scenario.proto, message Spot). Errors go to the trace
// line itself; `field_error` is set when any row is out of order, for a second error at the
// scenario field.
void read_availability(const std::string& path, Diagnostics& diags, std::vector<AvailabilityPoint>& out,
                       bool& out_of_order, bool& other_error) {
  std::ifstream in(path);
  std::string line;
  int lineno = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (!header) {
      header = true;
      if (t != "time,available_nodes") {
        diags.error({path, lineno, 1}, "the header is " + q(t) + "; expected \"time,available_nodes\"");
        other_error = true;
        return;
      }
      continue;
    }
    const size_t comma = t.find(',');
    if (comma == std::string::npos || t.find(',', comma + 1) != std::string::npos) {
      diags.error({path, lineno, 1}, "row " + q(t) + " has " + (comma == std::string::npos ? "1 column" : "more than 2 columns") +
                                         "; expected time,available_nodes");
      other_error = true;
      continue;
    }
    const std::string ts = trim(t.substr(0, comma));
    const std::string ns = trim(t.substr(comma + 1));
    AvailabilityPoint p;
    std::string err;
    if (!parse_trace_time(ts, p.time_s, err) || p.time_s < 0 || p.time_s > kMaxTime) {
      diags.error({path, lineno, 1}, "time " + q(ts) +
                                         " is not a time from 0 to 366 days; expected seconds or a time with a unit, "
                                         "e.g. \"3 h\"");
      other_error = true;
      continue;
    }
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(ns.c_str(), &end, 10);
    const int col = static_cast<int>(line.find(',') + 2);
    if (ns.empty() || end != ns.c_str() + ns.size() || errno != 0 || n < 0 || n > kMaxNodes) {
      diags.error({path, lineno, col}, "available_nodes is " + q(ns) + "; expected an integer from 0 to " +
                                           std::to_string(kMaxNodes));
      other_error = true;
      continue;
    }
    p.available_nodes = n;
    if (out.empty() && p.time_s != 0) {
      diags.error({path, lineno, 1}, "the first row is at " + ts + "; expected the first row at time 0");
      other_error = true;
    }
    if (!out.empty() && p.time_s <= out.back().time_s) {
      diags.error({path, lineno, 1}, "time " + ts + " is not after the previous row's " +
                                         format_number(out.back().time_s) + " s; expected times strictly increasing");
      out_of_order = true;
      continue;
    }
    if (out.size() >= kMaxTraceRows) {
      diags.error({path, lineno, 1}, "more than 10,000,000 rows; expected a shorter trace");
      other_error = true;
      return;
    }
    out.push_back(p);
  }
  if (!header) {
    diags.error({path, 0, 0}, "the trace is empty; expected a header \"time,available_nodes\" and rows");
    other_error = true;
  } else if (out.empty() && !out_of_order && !other_error) {
    diags.error({path, 0, 0}, "the trace has no rows; expected at least one row at time 0");
    other_error = true;
  }
}

void load_spot(const pb::Spot& m, const std::string& scenario_file, Checker& c, SpotSpec& out) {
  const std::string p = "cluster.spot";
  if (m.has_provider()) {
    switch (m.provider()) {
      case pb::AWS: out.provider = SpotProvider::kAws; break;
      case pb::GCP: out.provider = SpotProvider::kGcp; break;
      case pb::AZURE: out.provider = SpotProvider::kAzure; break;
    }
  }
  out.notice_s = default_spot_notice_s(out.provider);
  if (m.has_interruption_rate()) {
    c.quantity_range(p + ".interruption_rate", m.interruption_rate(), Quantity::kRate, out.interruption_rate, 0, false,
                     kMaxRate, "from 0 to 1 /s");
  }
  if (m.has_notice()) {
    c.quantity_range(p + ".notice", m.notice(), Quantity::kTime, out.notice_s, 0, false, 86400, "from 0 to 24 h");
  }
  if (m.has_replacement_delay()) {
    c.quantity_range(p + ".replacement_delay", m.replacement_delay(), Quantity::kTime, out.replacement_delay_s, 0,
                     true, kMaxTime, "greater than 0 and at most 366 days");
  }
  if (m.has_replacement_probability() &&
      c.real_range(p + ".replacement_probability", m.replacement_probability(), 0, false, 1, "from 0 to 1")) {
    out.replacement_probability = m.replacement_probability();
  }
  if (m.has_availability_trace()) {
    const std::string f = p + ".availability_trace";
    std::filesystem::path path(m.availability_trace());
    if (path.is_relative()) path = std::filesystem::path(scenario_file).parent_path() / path;
    out.availability_trace = path.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.availability_trace, ec)) {
      c.error(f, f + " " + q(m.availability_trace()) + ": no such file " + q(out.availability_trace) +
                     "; expected a CSV file time,available_nodes (paths are relative to the scenario file's directory)");
      return;
    }
    bool out_of_order = false, other = false;
    read_availability(out.availability_trace, c.diags(), out.availability, out_of_order, other);
    if (out_of_order) {
      c.error(f, f + " " + q(m.availability_trace()) + " has timestamps out of order; expected times strictly increasing");
    } else if (other) {
      c.error(f, f + " " + q(m.availability_trace()) + " is not a valid availability trace; expected rows time,available_nodes");
    }
  } else if (!m.has_interruption_rate()) {
    c.missing(p + ".interruption_rate", "an interruption_rate, an availability_trace, or both");
  }
}

void load_failures(const pb::Failures& m, Checker& c, FailureSpec& out) {
  const std::string p = "cluster.failures";
  if (m.has_scale()) {
    if (c.real_range(p + ".scale", m.scale(), 0, false, kMaxScale, "from 0 to 1e6")) out.scale = m.scale();
  }
  if (m.has_detection()) {
    c.quantity_range(p + ".detection", m.detection(), Quantity::kTime, out.detection_s, 0, false, kMaxTime,
                     "from 0 to 366 days");
  }
  if (m.has_recovery()) {
    c.quantity_range(p + ".recovery", m.recovery(), Quantity::kTime, out.recovery_s, 0, false, kMaxTime,
                     "from 0 to 366 days");
  }
  out.components.clear();
  for (int k = 0; k < kComponentKindCount; ++k) {
    const auto kind = static_cast<ComponentKind>(k);
    out.components.push_back({kind, llama3_failure_rate_per_gpu_s(kind)});
  }
  bool seen[kComponentKindCount] = {};
  for (int i = 0; i < m.component_size(); ++i) {
    const pb::FailureComponent& fc = m.component(i);
    const std::string q2 = p + ".component[" + std::to_string(i) + "]";
    if (!fc.has_kind()) {
      c.missing(q2 + ".kind", "one of GPU, HBM, NIC, HOST, SWITCH, SOFTWARE");
      continue;
    }
    const int k = static_cast<int>(fc.kind());
    if (seen[k]) {
      c.error(q2 + ".kind", q2 + ".kind " + pb::ComponentKind_Name(fc.kind()) +
                                " is listed twice; expected each component kind at most once");
      continue;
    }
    seen[k] = true;
    if (!fc.has_rate()) {
      c.missing(q2 + ".rate", "failures per GPU-hour, e.g. \"6.97e-6 /h\"");
      continue;
    }
    double v = 0;
    if (c.quantity_range(q2 + ".rate", fc.rate(), Quantity::kRate, v, 0, false, kMaxRate, "from 0 to 1 /s")) {
      out.components[static_cast<size_t>(k)].rate_per_gpu_s = v;
    }
  }
}

}  // namespace

void load_cluster_dynamics(const pb::Scenario& msg, Checker& c, Scenario& out) {
  if (!msg.has_cluster()) return;
  if (msg.cluster().has_spot()) {
    SpotSpec spot;
    load_spot(msg.cluster().spot(), out.file, c, spot);
    out.cluster.spot = std::move(spot);
  }
  if (msg.cluster().has_failures()) {
    FailureSpec f;
    load_failures(msg.cluster().failures(), c, f);
    out.cluster.failures = std::move(f);
  }
}

void load_training_dynamics(const pb::Training& m, Checker& c, const Scenario& scenario, TrainingSpec& spec) {
  spec.elastic = m.elastic();
  if (m.has_duration()) {
    c.quantity_range("training.duration", m.duration(), Quantity::kTime, spec.duration_s, 0, true, kMaxTime,
                     "greater than 0 and at most 366 days");
  }
  if (!m.has_checkpoint()) return;
  const pb::Checkpoint& k = m.checkpoint();
  const std::string p = "training.checkpoint";
  CheckpointSpec out;
  if (!k.has_tier() || k.tier().empty()) {
    c.missing(p + ".tier", "a storage tier id from cluster.storage");
  } else {
    check_tier_reference(c, scenario, p + ".tier", k.tier(), 0, "the checkpoint");
  }
  out.tier = k.tier();
  out.async = k.async();
  switch (k.policy_case()) {
    case pb::Checkpoint::kInterval:
      out.policy = CheckpointPolicy::kFixed;
      c.quantity_range(p + ".interval", k.interval(), Quantity::kTime, out.interval_s, 0, true, kMaxTime,
                       "greater than 0 and at most 366 days");
      break;
    case pb::Checkpoint::kYoungDaly: out.policy = CheckpointPolicy::kYoungDaly; break;
    case pb::Checkpoint::POLICY_NOT_SET:
      c.missing(p + ".interval", "interval: \"30 min\" or young_daly {}");
      break;
  }
  spec.checkpoint = std::move(out);
}

}  // namespace stratum::scenarios::detail
