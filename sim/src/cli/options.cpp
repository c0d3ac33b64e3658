#include "options.hpp"

#include <cstdlib>
#include <string_view>

namespace stratum::cli {
namespace {

// Accepts "--name=value" and "--name value".
bool take_value(int argc, char** argv, int& i, std::string_view name, std::string& value, std::string& error) {
  const std::string_view arg = argv[i];
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
    value = std::string(arg.substr(name.size() + 1));
    return true;
  }
  if (i + 1 >= argc) {
    error = std::string(name) + " needs a value";
    return false;
  }
  value = argv[++i];
  return true;
}

bool matches(std::string_view arg, std::string_view name) {
  return arg == name || (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=');
}

// A whole positive decimal int, nothing else.
bool parse_positive(const std::string& text, int& out) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::atoi(text.c_str());
  return out > 0;
}

}  // namespace

const char* usage() {
  return "usage: stratum <command> [options]\n"
         "\n"
         "commands:\n"
         "  validate FILE...        check scenarios; print every error as file:line:col\n"
         "  run FILE [options]      simulate a scenario and write its results\n"
         "      --out DIR           results folder (default: the scenario's output.dir, else results/<stem>/)\n"
         "      --seed N            seed of the run's random generator (overrides the scenario's seed)\n"
         "      --set PATH=VALUE    override a scenario field, e.g. --set serving.replica.tensor_parallel=2\n"
         "      --workload TRACE    replay this trace file (Azure CSV or Mooncake JSONL, recognised by content)\n"
         "      --trace             also write trace.json (Chrome trace events, opens in Perfetto)\n"
         "      --progress=bar|json|none   progress on stderr (default: bar on a terminal, else none)\n"
         "  search FILE [options]   enumerate the training layouts of the scenario's model, GPU count and\n"
         "                          global batch, drop those that do not fit in memory, rank the rest by\n"
         "                          step time and print the best with why; writes search.csv, search.json\n"
         "      --top N             layouts printed (default 10)\n"
         "      --out DIR           results folder (default: results/<stem>/)\n"
         "      --set PATH=VALUE    override a scenario field, e.g. --set training.global_batch=1024\n"
         "  compare A B [options]   run two scenarios with the same seeds 1..N (paired) and report every\n"
         "                          metric's mean difference B - A with its 95 % t confidence interval\n"
         "      --seeds N           number of seeds (default 5)\n"
         "      --out DIR           results folder (default: results/compare-<A>-<B>/): DIR/A/seed-k,\n"
         "                          DIR/B/seed-k and DIR/compare.csv\n"
         "      --set PATH=VALUE    override a field of both scenarios\n"
         "      -j N                simulations at once (default: the number of cores)\n"
         "  topo FILE [options]     print the cluster's topology analysis (switches per tier, bisection,\n"
         "                          hops, oversubscription)\n"
         "      --dot OUT.dot       also write the cluster graph as Graphviz DOT\n"
         "      --graphml OUT.graphml   also write it as GraphML\n"
         "  calibrate-report PROFILE   coverage and fit quality of a calibration profile\n"
         "  catalog [gpus|models]   list the hardware and model catalogue\n"
         "  help                    this text\n"
         "  version                 the version\n"
         "\n"
         "exit status: 0 success, 1 invalid input, 2 usage error\n";
}

bool parse_options(int argc, char** argv, Options& out, std::string& error) {
  if (argc < 2) {
    error = "missing command";
    return false;
  }
  out.command = argv[1];
  if (out.command == "--help" || out.command == "-h") out.command = "help";
  if (out.command == "--version") out.command = "version";
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (matches(arg, "--out")) {
      if (!take_value(argc, argv, i, "--out", out.out_dir, error)) return false;
    } else if (matches(arg, "--seed")) {
      if (!take_value(argc, argv, i, "--seed", value, error)) return false;
      out.overrides.push_back({"seed", value});
      out.seed_given = true;
    } else if (matches(arg, "--seeds")) {
      if (!take_value(argc, argv, i, "--seeds", value, error)) return false;
      if (!parse_positive(value, out.seeds)) {
        error = "--seeds expects a positive whole number, got '" + value + "'";
        return false;
      }
    } else if (arg == "-j" || matches(arg, "--jobs") || (arg.size() > 2 && arg.substr(0, 2) == "-j")) {
      if (arg.size() > 2 && arg.substr(0, 2) == "-j" && arg[2] != '-') {
        value = std::string(arg.substr(2));
      } else if (!take_value(argc, argv, i, arg == "-j" ? "-j" : "--jobs", value, error)) {
        return false;
      }
      if (!parse_positive(value, out.jobs)) {
        error = "-j expects a positive whole number, got '" + value + "'";
        return false;
      }
    } else if (matches(arg, "--top")) {
      if (!take_value(argc, argv, i, "--top", value, error)) return false;
      if (!parse_positive(value, out.top)) {
        error = "--top expects a positive whole number, got '" + value + "'";
        return false;
      }
    } else if (matches(arg, "--set")) {
      if (!take_value(argc, argv, i, "--set", value, error)) return false;
      scenarios::Override o;
      if (!scenarios::parse_override(value, o)) {
        error = "--set expects PATH=VALUE, got '" + value + "'";
        return false;
      }
      out.overrides.push_back(o);
    } else if (matches(arg, "--workload")) {
      if (!take_value(argc, argv, i, "--workload", out.workload_trace, error)) return false;
    } else if (matches(arg, "--dot")) {
      if (!take_value(argc, argv, i, "--dot", out.dot_out, error)) return false;
    } else if (matches(arg, "--graphml")) {
      if (!take_value(argc, argv, i, "--graphml", out.graphml_out, error)) return false;
    } else if (arg == "--trace") {
      out.trace = true;
    } else if (matches(arg, "--progress")) {
      if (!take_value(argc, argv, i, "--progress", value, error)) return false;
      if (value == "bar") out.progress = ProgressMode::kBar;
      else if (value == "json") out.progress = ProgressMode::kJson;
      else if (value == "none") out.progress = ProgressMode::kNone;
      else {
        error = "--progress expects bar, json or none, got '" + value + "'";
        return false;
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      error = "unknown option '" + std::string(arg) + "'";
      return false;
    } else {
      out.files.emplace_back(arg);
    }
  }
  if (out.command == "validate" && out.files.empty()) {
    error = "validate needs at least one scenario file";
    return false;
  }
  if (out.command == "run" && out.files.size() != 1) {
    error = "run needs exactly one scenario file";
    return false;
  }
  if (out.command == "search" && out.files.size() != 1) {
    error = "search needs exactly one scenario file";
    return false;
  }
  if (out.command != "search" && out.top != 0) {
    error = "--top applies to 'search' only";
    return false;
  }
  if (out.command == "calibrate-report" && out.files.size() != 1) {
    error = "calibrate-report needs exactly one profile file";
    return false;
  }
  if (out.command == "topo" && out.files.size() != 1) {
    error = "topo needs exactly one scenario file";
    return false;
  }
  if (out.command != "topo" && (!out.dot_out.empty() || !out.graphml_out.empty())) {
    error = "--dot and --graphml apply to 'topo' only";
    return false;
  }
  if (out.command == "catalog") {
    if (out.files.size() > 1 || (out.files.size() == 1 && out.files[0] != "gpus" && out.files[0] != "models")) {
      error = "catalog takes 'gpus', 'models' or nothing";
      return false;
    }
    if (!out.files.empty()) out.catalog_section = out.files[0];
  }
  if (out.command == "compare") {
    if (out.files.size() != 2) {
      error = "compare needs exactly two scenario files";
      return false;
    }
    if (out.seed_given || out.trace || !out.workload_trace.empty()) {
      error = "compare runs seeds 1..N (--seeds N); --seed, --trace and --workload apply to 'run' only";
      return false;
    }
  } else if (out.command != "run" && out.command != "search" && !out.out_dir.empty()) {
    error = "--out applies to 'run', 'search' and 'compare' only";
    return false;
  } else if (out.command != "run" && (out.trace || !out.workload_trace.empty())) {
    error = "--trace and --workload apply to 'run' only";
    return false;
  }
  if (out.command != "compare" && (out.seeds != 0 || out.jobs != 0)) {
    error = "--seeds and -j apply to 'compare' only";
    return false;
  }
  return true;
}

}  // namespace stratum::cli
