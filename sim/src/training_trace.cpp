#include "stratum/sim/training_trace.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

namespace stratum::sim {

using Json = nlohmann::ordered_json;

std::vector<std::string> training_track_names(const std::vector<int>& first_gpu) {
  std::vector<std::string> names;
  for (size_t i = 0; i < first_gpu.size(); ++i) {
    const std::string stage = "stage " + std::to_string(i);
    names.push_back(stage + " (GPU " + std::to_string(first_gpu[i]) + ")");
    names.push_back(stage + " p2p");
    names.push_back(stage + " dp");
  }
  return names;
}

std::string op_span_name(const calibration::PipelineOp& op) {
  return std::string(op.pass == calibration::Pass::kForward ? "F" : "B") + " mb " + std::to_string(op.micro_batch) +
         " c " + std::to_string(op.chunk);
}

TrainingTrace analytic_training_trace(const calibration::PipelineRun& pipeline, double p2p_s, int virtual_stages,
                                      const std::vector<int>& first_gpu) {
  TrainingTrace trace;
  trace.track_names = training_track_names(first_gpu);
  const int p = static_cast<int>(pipeline.stages.size());
  for (int i = 0; i < p; ++i) {
    for (const calibration::TimedOp& t : pipeline.stages[static_cast<size_t>(i)]) {
      const bool fwd = t.op.pass == calibration::Pass::kForward;
      trace.spans.push_back({3 * i, op_span_name(t.op), fwd ? "forward" : "backward", t.start_s, t.end_s - t.start_s,
                             t.op.micro_batch, t.op.chunk, 0});
      // The same rule as run_pipeline: an op's output goes to the next virtual stage (forward) or
      // the previous one (backward) when that one is on another stage.
      const bool sends = p > 1 && (fwd ? (i < p - 1 || t.op.chunk < virtual_stages - 1) : (i > 0 || t.op.chunk > 0));
      if (sends && p2p_s > 0) {
        trace.spans.push_back({3 * i + 1, "p2p " + op_span_name(t.op), "p2p", t.end_s, p2p_s, t.op.micro_batch,
                               t.op.chunk, 0});
      }
    }
  }
  return trace;
}

std::string training_trace_json(const TrainingTrace& trace) {
  std::vector<const TrainingTraceSpan*> order;
  order.reserve(trace.spans.size());
  for (const TrainingTraceSpan& s : trace.spans) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const TrainingTraceSpan* a, const TrainingTraceSpan* b) {
    return std::tie(a->track, a->start_s) < std::tie(b->track, b->start_s);
  });
  Json events = Json::array();
  events.push_back({{"ph", "M"}, {"pid", 0}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", "training step"}}}});
  for (size_t t = 0; t < trace.track_names.size(); ++t) {
    events.push_back({{"ph", "M"}, {"pid", 0}, {"tid", t}, {"name", "thread_name"}, {"args", {{"name", trace.track_names[t]}}}});
    // Keep Perfetto's track order: stage by stage, ops above their p2p and dp tracks.
    events.push_back({{"ph", "M"}, {"pid", 0}, {"tid", t}, {"name", "thread_sort_index"}, {"args", {{"sort_index", t}}}});
  }
  for (const TrainingTraceSpan* s : order) {
    Json e = {{"ph", "X"},      {"pid", 0}, {"tid", s->track},          {"name", s->name}, {"cat", s->category},
              {"ts", s->start_s * 1e6}, {"dur", s->duration_s * 1e6}};
    Json args = Json::object();
    if (s->micro_batch >= 0) args["micro_batch"] = s->micro_batch;
    if (s->chunk >= 0) args["chunk"] = s->chunk;
    if (s->bytes > 0) args["bytes"] = s->bytes;
    if (!args.empty()) e["args"] = std::move(args);
    events.push_back(std::move(e));
  }
  Json j = {{"displayTimeUnit", "ms"}, {"traceEvents", std::move(events)}};
  return j.dump() + "\n";
}

}  // namespace stratum::sim
