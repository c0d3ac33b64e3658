#include "stratum/calibration/stage_layers.hpp"

#include <stdexcept>
#include <string>

namespace stratum::calibration {

namespace {

std::string s(int64_t v) { return std::to_string(v); }

bool first_or_last(const TrainingLayout& l) { return l.first_stage_layers >= 0 || l.last_stage_layers >= 0; }

}  // namespace

bool uneven_stage_layers(const TrainingLayout& l) {
  return first_or_last(l) || l.account_for_embedding || l.account_for_loss;
}

std::vector<std::string> validate_stage_layers(const TrainingLayout& l, int64_t layers) {
  std::vector<std::string> out;
  const int64_t p = l.pp, v = l.virtual_stages, chunks = p * v;
  if (p < 1 || v < 1 || layers < 1) return out;  // reported by validate_layout / the catalogue
  if (!uneven_stage_layers(l)) return out;  // the even split: validate_layout checks it
  if (first_or_last(l) && (l.account_for_embedding || l.account_for_loss)) {
    // Megatron-Core get_num_layers_to_build asserts that the two ways are not combined.
    out.push_back("first_stage_layers / last_stage_layers cannot be combined with account_for_embedding / "
                  "account_for_loss; expected one way of splitting the layers unevenly, as Megatron-Core allows");
    return out;
  }
  if (first_or_last(l)) {
    const char* name = l.first_stage_layers >= 0 ? "first_stage_layers" : "last_stage_layers";
    if (p < 2) {
      out.push_back(std::string(name) + " is set but pp is " + s(p) + "; expected pp >= 2 (a first or last stage " +
                    "distinct from the others)");
      return out;
    }
    const bool both = l.first_stage_layers >= 0 && l.last_stage_layers >= 0;
    const int64_t given = (l.first_stage_layers >= 0 ? l.first_stage_layers : 0) +
                          (l.last_stage_layers >= 0 ? l.last_stage_layers : 0);
    const int64_t left = layers - given;
    const int64_t stages_left = p - (both ? 2 : 1);
    if (left < 0 || (stages_left == 0 && left != 0) || (stages_left > 0 && left < stages_left)) {
      out.push_back(std::string(name) + ": the first and last stage take " + s(given) + " of the model's " +
                    s(layers) + " layers, leaving " + s(left) + " for " + s(stages_left) +
                    " other stages; expected at least one layer for each other stage (exactly none when pp is 2)");
      return out;
    }
    // Megatron-Core: "With uneven pipelineing the left over layers must be divisible by left over
    // stages", then each stage's layers must be divisible by the virtual pipeline size.
    if (stages_left > 0 && left % stages_left != 0) {
      out.push_back(std::string(name) + ": the " + s(left) + " layers left after the first and last stage are not " +
                    "divisible by the " + s(stages_left) + " other stages; expected the remaining layers to divide " +
                    "evenly over the middle stages");
      return out;
    }
    const int64_t middle = stages_left > 0 ? left / stages_left : 0;
    const auto divides = [&](const char* what, int64_t n) {
      if (n % v != 0) {
        out.push_back(std::string(what) + " holds " + s(n) + " layers, not divisible by virtual_stages " + s(v) +
                      "; expected every stage's layers to divide over its virtual chunks");
      }
    };
    if (l.first_stage_layers >= 0) divides("first_stage_layers: the first stage", l.first_stage_layers);
    if (l.last_stage_layers >= 0) divides("last_stage_layers: the last stage", l.last_stage_layers);
    if (stages_left > 0) divides(l.first_stage_layers >= 0 ? "first_stage_layers: each middle stage"
                                                           : "last_stage_layers: each other stage",
                                 middle);
    return out;
  }
  // The embedding and/or the output layer with the loss count as layers of the split.
  const int64_t counted = layers + (l.account_for_embedding ? 1 : 0) + (l.account_for_loss ? 1 : 0);
  const char* name = l.account_for_embedding ? "account_for_embedding" : "account_for_loss";
  if (counted % chunks != 0) {
    out.push_back(std::string(name) + ": " + s(layers) + " layers plus the embedding and/or loss counted as layers " +
                  "make " + s(counted) + ", not divisible by pp x virtual_stages = " + s(p) + " x " + s(v) + " = " +
                  s(chunks) + "; expected the counted layers to divide evenly over the pipeline chunks");
  }
  return out;
}

std::vector<int64_t> chunk_layers(const TrainingLayout& l, int64_t layers) {
  if (const auto problems = validate_stage_layers(l, layers); !problems.empty()) {
    throw std::invalid_argument("invalid pipeline split: " + problems.front());
  }
  const int64_t p = l.pp, v = l.virtual_stages;
  if (p < 1 || v < 1 || layers < 1 || (!uneven_stage_layers(l) && layers % (p * v) != 0)) {
    throw std::invalid_argument("invalid pipeline split: " + s(layers) + " layers over pp " + s(p) +
                                " x virtual_stages " + s(v));
  }
  std::vector<int64_t> out(static_cast<size_t>(p * v), 0);
  const auto at = [&](int64_t chunk, int64_t stage) -> int64_t& { return out[static_cast<size_t>(chunk * p + stage)]; };
  if (first_or_last(l)) {
    const bool first = l.first_stage_layers >= 0, last = l.last_stage_layers >= 0;
    const int64_t given = (first ? l.first_stage_layers : 0) + (last ? l.last_stage_layers : 0);
    const int64_t stages_left = p - (first ? 1 : 0) - (last ? 1 : 0);
    const int64_t middle = stages_left > 0 ? (layers - given) / stages_left : 0;
    for (int64_t i = 0; i < p; ++i) {
      int64_t n = middle;
      if (i == 0 && first) n = l.first_stage_layers;
      if (i == p - 1 && last) n = l.last_stage_layers;
      for (int64_t c = 0; c < v; ++c) at(c, i) = n / v;
    }
    return out;
  }
  const int64_t counted = layers + (l.account_for_embedding ? 1 : 0) + (l.account_for_loss ? 1 : 0);
  for (int64_t& n : out) n = counted / (p * v);
  if (l.account_for_embedding) at(0, 0) -= 1;
  if (l.account_for_loss) at(v - 1, p - 1) -= 1;
  return out;
}

int64_t stage_layers(const std::vector<int64_t>& chunks, int pp, int stage) {
  int64_t n = 0;
  for (size_t k = static_cast<size_t>(stage); k < chunks.size(); k += static_cast<size_t>(pp)) n += chunks[k];
  return n;
}

}  // namespace stratum::calibration
