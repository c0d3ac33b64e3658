#!/usr/bin/env bash
# Refreshes tests/golden/expected/<example>.metrics.json from the current build. A golden copy
# changes only for a stated reason, recorded in tests/golden/CHANGES.md with the date.
# usage: scripts/update-golden.sh "why the results changed" [example-stem...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 \"reason for the change\" [example-stem...]" >&2
  exit 2
fi
reason=$1
shift
stems=("$@")
if [ ${#stems[@]} -eq 0 ]; then
  for f in scenarios/examples/*.pbtxt; do stems+=("$(basename "$f" .pbtxt)"); done
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
changed=()
for stem in "${stems[@]}"; do
  build/sim/stratum run "scenarios/examples/$stem.pbtxt" --progress=none --out "$out/$stem" >/dev/null
  target=tests/golden/expected/$stem.metrics.json
  if ! cmp -s "$out/$stem/metrics.json" "$target"; then
    cp "$out/$stem/metrics.json" "$target"
    changed+=("$stem")
  fi
done
if [ ${#changed[@]} -eq 0 ]; then
  echo "no golden file changed"
  exit 0
fi
{
  echo "- $(date -u +%Y-%m-%d): ${changed[*]}: $reason"
} >> tests/golden/CHANGES.md
echo "updated: ${changed[*]}"
