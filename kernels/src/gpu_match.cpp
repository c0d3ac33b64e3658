#include "stratum/kernels/gpu_match.hpp"

#include <algorithm>
#include <cctype>

namespace stratum::kernels {
namespace {

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& t) { return std::find(v.begin(), v.end(), t) != v.end(); }

bool is_memory_token(const std::string& t) {
  return t.size() > 2 && t.ends_with("gb") && std::isdigit(static_cast<unsigned char>(t[0]));
}

bool has_digit(const std::string& t) {
  return std::any_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Board form: PCIe cards ("PCIe", and the "NVL" PCIe boards of H100 / H200) versus SXM modules.
enum class Form { kUnknown, kPcie, kSxm };
Form form_of(const std::vector<std::string>& t) {
  for (const auto& x : t) {
    if (x == "pcie" || x == "nvl") return Form::kPcie;
    if (x.rfind("sxm", 0) == 0) return Form::kSxm;
  }
  return Form::kUnknown;
}

}  // namespace

std::string match_gpu_id(const std::string& device_name, const std::vector<scenarios::GpuSpec>& gpus) {
  const auto name = tokens(device_name);
  std::string name_memory;
  for (const auto& t : name) {
    if (is_memory_token(t)) name_memory = t;
  }
  const Form name_form = form_of(name);
  std::string best;
  int best_score = 0;
  bool tie = false;
  for (const auto& gpu : gpus) {
    const auto id = tokens(gpu.id);
    std::string model, memory;
    for (const auto& t : id) {
      if (is_memory_token(t)) memory = t;
      else if (model.empty() && has_digit(t)) model = t;
    }
    if (model.empty() || !has(name, model)) continue;
    const Form id_form = form_of(id);
    if (name_form != Form::kUnknown && id_form != Form::kUnknown && name_form != id_form) continue;
    if (!name_memory.empty() && !memory.empty() && name_memory != memory) continue;
    const int score = 1 + (!memory.empty() && memory == name_memory ? 1 : 0) + (id_form != Form::kUnknown && id_form == name_form ? 1 : 0);
    if (score > best_score) {
      best = gpu.id;
      best_score = score;
      tie = false;
    } else if (score == best_score) {
      tie = true;
    }
  }
  return tie ? std::string() : best;
}

}  // namespace stratum::kernels
