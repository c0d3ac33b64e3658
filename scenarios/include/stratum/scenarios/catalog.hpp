#pragma once
// The hardware and model catalogue (scenarios/catalog/*.pbtxt, embedded in the binary at build
// time so that the tools work from any directory).
#include <string>
#include <vector>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::scenarios {

class Catalog {
 public:
  // The catalogue compiled into the binary. Aborts with a message if it does not parse
  // (a build defect, covered by the tests).
  static const Catalog& builtin();

  const std::vector<GpuSpec>& gpus() const { return gpus_; }
  const std::vector<ModelSpec>& models() const { return models_; }
  const GpuSpec* find_gpu(const std::string& id) const;
  const ModelSpec* find_model(const std::string& id) const;

  // Parses catalogue text; errors are reported against `file`.
  static Catalog parse(const std::string& gpus_text, const std::string& gpus_file,
                       const std::string& models_text, const std::string& models_file, Diagnostics& diags);

 private:
  std::vector<GpuSpec> gpus_;
  std::vector<ModelSpec> models_;
};

}  // namespace stratum::scenarios
