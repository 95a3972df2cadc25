#!/usr/bin/env bash
# Runs every bench_* executable in the build dir ($1, default "build"), tee-ing each one's output
# to <build>/bench-results/<name>.txt. Extra arguments are passed to every benchmark.
# Exits non-zero if any benchmark failed (all of them still run).
set -uo pipefail
build="${1:-build}"
shift || true
if [[ ! -d "$build" ]]; then
  echo "bench/run.sh: build dir '$build' not found" >&2
  exit 2
fi
results="$build/bench-results"
mkdir -p "$results"
shopt -s nullglob
status=0
ran=0
for exe in "$build"/bench_*; do
  [[ -f "$exe" && -x "$exe" ]] || continue
  name="$(basename "$exe")"
  ran=$((ran + 1))
  echo "=== $name ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  "$exe" "$@" 2>&1 | tee "$results/$name.txt"
  rc=${PIPESTATUS[0]}
  if ((rc != 0)); then
    echo "=== $name FAILED (exit $rc)"
    status=1
  fi
done
# The console: page timings in headless chromium against `vigil serve` (bench/console/run.mjs).
if [[ -x "$build/vigil" ]] && command -v node >/dev/null && [[ -x /usr/bin/chromium ]]; then
  ran=$((ran + 1))
  echo "=== console ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  node "$(dirname "$0")/console/run.mjs" --vigil "$build/vigil" 2>&1 | grep -v '^\[20' | tee "$results/console.txt"
  rc=${PIPESTATUS[0]}
  if ((rc != 0)); then
    echo "=== console FAILED (exit $rc)"
    status=1
  fi
fi
if ((ran == 0)); then
  echo "bench/run.sh: no bench_* executables in $build" >&2
  exit 2
fi
echo "results in $results/"
exit $status
