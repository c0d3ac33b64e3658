// serving.router: each policy loads, the default is least_outstanding, bad bounds are errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

std::optional<Scenario> load_with_router(const std::string& name, const std::string& router, Diagnostics& diags) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-router-spec-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (name + ".pbtxt")).string();
  std::ofstream(path, std::ios::binary)
      << "cluster { nodes { id: \"dgx\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 } }\n"
         "serving {\n  model: \"llama-3.1-8b\"\n  replica { count: 4 }\n" << router
      << "\n  workload { poisson { rate: \"5 /s\" } input { fixed: 100 } output { fixed: 10 } max_requests: 10 }\n}\n";
  return load_scenario(path, {}, Catalog::builtin(), diags);
}

RouterSpec router_of(const std::string& name, const std::string& router) {
  Diagnostics diags;
  const auto s = load_with_router(name, router, diags);
  EXPECT_TRUE(s.has_value()) << diags.to_string();
  return s ? s->serving->router : RouterSpec{};
}

TEST(RouterSpec, DefaultIsLeastOutstanding) {
  EXPECT_EQ(router_of("none", "").kind, RouterKind::kLeastOutstanding);
  EXPECT_EQ(router_of("empty", "router {}").kind, RouterKind::kLeastOutstanding);
}

TEST(RouterSpec, EachPolicyLoads) {
  EXPECT_EQ(router_of("rr", "router { round_robin {} }").kind, RouterKind::kRoundRobin);
  EXPECT_EQ(router_of("lo", "router { least_outstanding {} }").kind, RouterKind::kLeastOutstanding);
  EXPECT_EQ(router_of("kv", "router { least_kv_load {} }").kind, RouterKind::kLeastKvLoad);
  EXPECT_EQ(router_of("p2", "router { power_of_two {} }").kind, RouterKind::kPowerOfTwo);
  // prefix_aware needs prefix caching (tests/scenarios/prefix_caching_spec_test.cpp).
  const std::string caching = "scheduler { continuous { prefix_caching: true } } ";
  const RouterSpec prefix = router_of("pa", caching + "router { prefix_aware {} }");
  EXPECT_EQ(prefix.kind, RouterKind::kPrefixAware);
  EXPECT_EQ(prefix.prefix_blocks_per_instance, 1024);
  EXPECT_EQ(router_of("pa-n", caching + "router { prefix_aware { blocks_per_instance: 77 } }").prefix_blocks_per_instance,
            77);
}

TEST(RouterSpec, BlocksPerInstanceOutOfRangeIsAnError) {
  for (const char* bad : {"0", "-3", "10000001"}) {
    Diagnostics diags;
    const auto s = load_with_router("bad",
                                    std::string("scheduler { continuous { prefix_caching: true } } "
                                                "router { prefix_aware { blocks_per_instance: ") +
                                        bad + " } }",
                                    diags);
    EXPECT_FALSE(s.has_value()) << bad;
    EXPECT_NE(diags.to_string().find("serving.router.prefix_aware.blocks_per_instance is " + std::string(bad)),
              std::string::npos)
        << diags.to_string();
  }
}

}  // namespace
}  // namespace stratum::scenarios
