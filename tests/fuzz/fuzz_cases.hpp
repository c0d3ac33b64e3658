#pragma once
// The malformed scenarios of tests/fuzz/cases/ (and cli_cases/): NAME.<ext> is the input and
// NAME.expect the exact error lines, with FILE standing for the input's path and CASEDIR for
// its folder, so the expectations hold wherever the source tree is.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace stratum::scenarios {

namespace fs = std::filesystem;

inline const fs::path kCases = fs::path(STRATUM_SOURCE_DIR) / "tests" / "fuzz" / "cases";

struct Case {
  std::string name;   // stem shared by the input and its .expect
  fs::path input;
  fs::path expect;
};

inline std::vector<Case> list_cases(const fs::path& dir = kCases) {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".expect") continue;
    fs::path expect = entry.path();
    expect.replace_extension(".expect");
    cases.push_back(Case{entry.path().stem().string(), entry.path(), expect});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

inline std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

// gtest's test name for a case: its stem with every character that is not a letter or a digit
// made '_'.
inline std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

// gtest prints a parameter with PrintTo: the case's name, not its bytes.
inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The .expect text with its placeholders resolved for `c` found in `dir`.
inline std::string expected_errors(const Case& c, const fs::path& dir = kCases) {
  std::string expected = read(c.expect);
  replace_all(expected, "CASEDIR", dir.string());
  replace_all(expected, "FILE", c.input.string());
  return expected;
}

}  // namespace stratum::scenarios
