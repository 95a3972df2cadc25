#!/usr/bin/env bash
# A test (in `make test`), not a benchmark: runs each benchmark named (executables of the build
# dir $1; CMake passes every bench_<folder> it builds) on a tiny workload and fails if any exits
# non-zero, so `make bench` does not break unnoticed (it did once: bench_automation aborted for
# days). Nothing here is timed or compared to a figure. Every benchmark must have a line below:
# a new one without a line fails this test.
set -uo pipefail
build="${1:?usage: bench/smoke.sh BUILD_DIR BENCH_NAME...}"
shift
declare -A args=(
  [bench_analysis]="--seconds 0.2 --posts 200"
  [bench_analysis_report]=""
  [bench_automation]="--flags 500"
  [bench_backtest]="--items 500"
  [bench_ingest]="--seconds 1 --clients 8 --batch-size 100 --baseline-rows 2000"
  [bench_policy]="--seconds 1 --events 200"
  [bench_workflow]="--cases 2000 --seconds 1 --clients 4 --page-clients 2 --page-requests 50 --baseline-runs 20 --rate 100"
)
status=0
ran=0
for name in "$@"; do
  exe="$build/$name"
  if [[ -z "${args[$name]+set}" ]]; then
    echo "FAIL $name: no small workload for it in bench/smoke.sh"
    status=1
    continue
  fi
  out="$(mktemp)"
  # shellcheck disable=SC2086 # the arguments are words
  "$exe" ${args[$name]} >"$out" 2>&1
  rc=$?
  ran=$((ran + 1))
  if ((rc != 0)); then
    echo "FAIL $name ${args[$name]} (exit $rc):"
    tail -20 "$out"
    status=1
  else
    echo "ok   $name ${args[$name]}"
  fi
  rm -f "$out"
done
((ran > 0)) || { echo "bench/smoke.sh: no benchmark ran"; exit 2; }
exit $status
