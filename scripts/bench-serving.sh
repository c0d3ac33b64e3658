#!/usr/bin/env bash
# Whole-run speed of the serving engine (docs/performance.md): runs a scenario N times (default:
# the quickstart, 5 times) on one core and reports wall time, engine iterations per wall second,
# simulated time per wall second and peak memory, from each run's run.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/examples/quickstart.pbtxt}
runs=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  taskset -c 0 build/sim/stratum run "$scenario" --progress=none --out "$out/run" >/dev/null
  python3 - "$out/run" <<'PY'
import json, sys
d = sys.argv[1]
run = json.load(open(d + "/run.json"))
m = json.load(open(d + "/metrics.json"))
print(f"wall {run['wall_time_s']:.3f} s (prepare {run['prepare_wall_s']:.3f}, simulate "
      f"{run['simulate_wall_s']:.3f})  simulated {m['simulated_time_s']:.0f} s  "
      f"{run['simulated_per_wall_time']:.0f}x real time  {run['engine_iterations']} iterations  "
      f"{run['iterations_per_wall_s']:.0f}/s overall, {run['iterations_per_simulate_wall_s']:.0f}/s in the engine  "
      f"requests {m['requests']['arrived']}  peak RSS {run['peak_rss_bytes'] / 2**20:.1f} MiB")
PY
done
