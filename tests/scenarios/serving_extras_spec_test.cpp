// serving.workload.classes, serving.admission and serving.speculative (issue 6): what loads, and
// every bad input with its exact message and location.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

struct Loaded {
  std::optional<Scenario> scenario;
  std::string errors;
  std::string path;
};

// Line 2 is `serving_lines` (one line), line 3 the workload (with `classes` inside), line 4 `slo`.
Loaded load(const std::string& name, const std::string& serving_line, const std::string& classes = "",
            const std::string& slo = "", const std::string& model = "llama-3.1-8b") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-serving-extras-test";
  std::filesystem::create_directories(dir);
  Loaded out;
  out.path = (dir / (name + ".pbtxt")).string();
  std::ofstream(out.path, std::ios::binary)
      << "cluster { nodes { id: \"dgx\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 } }\n"
      << "serving { model: \"" << model << "\" replica { count: 2 } " << serving_line << "\n"
      << "  workload { poisson { rate: \"5 /s\" } input { fixed: 100 } output { fixed: 10 } max_requests: 10 "
      << classes << " }\n"
      << "  " << slo << "\n}\n";
  Diagnostics diags;
  out.scenario = load_scenario(out.path, {}, Catalog::builtin(), diags);
  out.errors = diags.to_string();
  return out;
}

TEST(ServingExtrasSpec, DefaultsAreOffAndOneClass) {
  const Loaded l = load("defaults", "");
  ASSERT_TRUE(l.scenario) << l.errors;
  const ServingSpec& s = *l.scenario->serving;
  EXPECT_TRUE(s.classes.empty());
  EXPECT_EQ(s.admission.kind, AdmissionKind::kNone);
  EXPECT_FALSE(s.speculative.enabled);
}

TEST(ServingExtrasSpec, ClassesAdmissionAndSpeculativeLoad) {
  const Loaded l = load("full",
                        "admission { slo_aware { on_violation: DEFER max_defer: \"3 s\" } } "
                        "speculative { draft_model: \"llama-3.2-1b\" num_speculative_tokens: 4 acceptance_rate: 0.7 }",
                        "classes { name: \"interactive\" share: 0.3 priority: 1 slo { ttft: \"500 ms\" } } "
                        "classes { name: \"batch\" share: 0.7 }",
                        "slo { ttft: \"2 s\" tpot: \"100 ms\" }");
  ASSERT_TRUE(l.scenario) << l.errors;
  const ServingSpec& s = *l.scenario->serving;
  ASSERT_EQ(s.classes.size(), 2u);
  EXPECT_EQ(s.classes[0].name, "interactive");
  EXPECT_EQ(s.classes[0].priority, 1);
  ASSERT_TRUE(s.classes[0].slo);
  EXPECT_DOUBLE_EQ(*s.classes[0].slo->ttft_s, 0.5);
  EXPECT_DOUBLE_EQ(*s.classes[0].slo->tpot_s, 0.1);  // kept from serving.slo
  EXPECT_FALSE(s.classes[1].slo);
  EXPECT_EQ(s.classes[1].priority, 0);
  EXPECT_EQ(s.admission.kind, AdmissionKind::kSloAware);
  EXPECT_TRUE(s.admission.defer);
  EXPECT_DOUBLE_EQ(*s.admission.max_defer_s, 3.0);
  EXPECT_TRUE(s.speculative.enabled);
  EXPECT_EQ(s.speculative.draft.id, "llama-3.2-1b");
  EXPECT_EQ(s.speculative.num_tokens, 4);
  EXPECT_DOUBLE_EQ(s.speculative.acceptance_rate, 0.7);

  const Loaded q = load("queue", "admission { queue_limit { max_outstanding_per_instance: 64 } }");
  ASSERT_TRUE(q.scenario) << q.errors;
  EXPECT_EQ(q.scenario->serving->admission.kind, AdmissionKind::kQueueLimit);
  EXPECT_EQ(q.scenario->serving->admission.max_outstanding_per_instance, 64);
}

// The exact report for a scenario with one bad field: "file:line:col: error: message".
void expect_error(const Loaded& l, const std::string& where, const std::string& message) {
  EXPECT_FALSE(l.scenario.has_value());
  EXPECT_EQ(l.errors, l.path + ":" + where + ": error: " + message + "\n");
}

TEST(ServingExtrasSpec, DraftNotInTheCatalogue) {
  const Loaded l = load("draft-missing", "speculative { draft_model: \"llama-3.2-2b\" num_speculative_tokens: 4 "
                                         "acceptance_rate: 0.7 }");
  EXPECT_FALSE(l.scenario.has_value());
  // The list of ids that follows grows with the catalogue.
  const std::string head = l.path + ":2:68: error: serving.speculative.draft_model \"llama-3.2-2b\" is not in "
                                    "scenarios/catalog/models.pbtxt; did you mean \"llama-3.2-1b\"? expected one of: "
                                    "llama-3.1-8b, llama-3.1-70b, llama-3.1-405b, llama-3.2-1b, qwen2.5-7b";
  EXPECT_EQ(l.errors.substr(0, head.size()), head) << l.errors;
  EXPECT_EQ(std::count(l.errors.begin(), l.errors.end(), '\n'), 1) << l.errors;
}

TEST(ServingExtrasSpec, DraftVocabularyDiffers) {
  expect_error(load("draft-vocab", "speculative { draft_model: \"llama-3.2-1b\" num_speculative_tokens: 4 "
                                   "acceptance_rate: 0.7 }",
                    "", "", "qwen2.5-7b"),
               "2:66",
               "serving.speculative.draft_model \"llama-3.2-1b\" has a vocabulary of 128256 tokens, the target "
               "\"qwen2.5-7b\" one of 152064; expected a draft with the target's tokenizer");
}

TEST(ServingExtrasSpec, SpeculativeTokensBelowOne) {
  expect_error(load("k0", "speculative { draft_model: \"llama-3.2-1b\" num_speculative_tokens: 0 acceptance_rate: 0.7 }"),
               "2:96", "serving.speculative.num_speculative_tokens is 0; expected an integer from 1 to 16");
}

TEST(ServingExtrasSpec, AcceptanceRateOutsideZeroToOne) {
  for (const char* bad : {"1", "-0.1", "1.5"}) {
    const Loaded l = load("alpha", std::string("speculative { draft_model: \"llama-3.2-1b\" num_speculative_tokens: 4 "
                                               "acceptance_rate: ") + bad + " }");
    expect_error(l, "2:122",
                 std::string("serving.speculative.acceptance_rate is ") + bad + "; expected a number in [0, 1)");
  }
}

TEST(ServingExtrasSpec, StaticBatchingWithSpeculative) {
  expect_error(load("static", "scheduler { static {} } speculative { draft_model: \"llama-3.2-1b\" "
                              "num_speculative_tokens: 4 acceptance_rate: 0.7 }"),
               "2:78",
               "serving.speculative is set with static batching; expected serving.scheduler continuous (speculative "
               "decoding is modelled for continuous batching only)");
}

TEST(ServingExtrasSpec, SloAwareWithoutATtftBound) {
  expect_error(load("no-ttft", "admission { slo_aware {} }", "", "slo { tpot: \"100 ms\" }"), "2:66",
               "serving.admission.slo_aware needs a TTFT bound to admit against; expected serving.slo { ttft: ... } "
               "or slo { ttft: ... } in every serving.workload.classes");
  // A class without its own TTFT and no serving.slo.ttft: still an error.
  EXPECT_FALSE(load("one-class-ttft", "admission { slo_aware {} }",
                    "classes { name: \"a\" share: 0.5 slo { ttft: \"1 s\" } } classes { name: \"b\" share: 0.5 }")
                   .scenario.has_value());
  // Every class with its own TTFT: fine.
  const Loaded ok = load("class-ttft", "admission { slo_aware {} }",
                         "classes { name: \"a\" share: 0.5 slo { ttft: \"1 s\" } } "
                         "classes { name: \"b\" share: 0.5 slo { ttft: \"5 s\" } }");
  EXPECT_TRUE(ok.scenario.has_value()) << ok.errors;
}

TEST(ServingExtrasSpec, ClassSharesNotSummingToOne) {
  expect_error(load("shares", "", "classes { name: \"a\" share: 0.3 } classes { name: \"b\" share: 0.6 }"), "3:98",
               "serving.workload.classes shares sum to 0.8999999999999999; expected shares summing to 1");
}

TEST(ServingExtrasSpec, OtherBadClassesAndAdmission) {
  expect_error(load("dup", "", "classes { name: \"a\" share: 0.5 } classes { name: \"a\" share: 0.5 }"), "3:141",
               "serving.workload.classes[1].name \"a\" repeats an earlier class; expected unique names");
  expect_error(load("prio", "", "classes { name: \"a\" share: 1 priority: 16 }"), "3:127",
               "serving.workload.classes[0].priority is 16; expected an integer from 0 to 15");
  expect_error(load("limit", "admission { queue_limit {} }"), "2:66",
               "serving.admission.queue_limit.max_outstanding_per_instance is missing; expected an integer from 1 to "
               "1000000");
  expect_error(load("defer", "admission { slo_aware { max_defer: \"3 s\" } }", "", "slo { ttft: \"2 s\" }"), "2:78",
               "serving.admission.slo_aware.max_defer is set but on_violation is REJECT; expected on_violation: DEFER "
               "or no max_defer");
}

}  // namespace
}  // namespace stratum::scenarios
