#!/bin/bash
# Instructions per flag on the intake path, counted by callgrind (repeatable on a loaded machine,
# unlike flags/s): `vigil serve` under valgrind gets five 1,000-line flags:batch requests shaped
# like bench_ingest's (new content, a new reporter per flag, automation off), and the same
# server run idle for a few seconds is subtracted. Threads are counted apart, so the writer
# thread's share (the one every flag waits for) is printed too.
#   scripts/ingest-callgrind.sh [VIGIL_BINARY] [PORT]
set -euo pipefail
BIN=${1:-build/vigil}
PORT=${2:-18790}
WORK=$(mktemp -d /tmp/vigil-callgrind.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

for r in 0 1 2 3 4; do
  for seq in $(seq 0 999); do
    id="cg-batch-$r-$seq"
    printf '{"content":{"id":"%s","type":"text","text":"benchmark content %s buy cheap followers now, limited offer","author":{"id":"acct-%d"}},"reason":"spam","source":"user","reporter":{"id":"rep-%s"},"explanation":"ingest benchmark","metadata":{"bench":"batch","conn":%d,"seq":%d}}\n' \
      "$id" "$id" $((seq % 997)) "$id" "$r" "$seq"
  done > "$WORK/batch$r.ndjson"
done

# Prints the instructions counted in one `vigil serve` run; with "load", after the five requests.
run() {
  local data="$WORK/data-$1"
  "$BIN" init --data "$data" --password 'callgrind-pw-12' >/dev/null
  printf 'automation:\n  enabled: false\n' >>"$data/vigil.yaml"
  "$BIN" user add --data "$data" --name cg --role integration >/dev/null
  local token
  token=$("$BIN" token create --data "$data" --user cg | tr -d '[:space:]')
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/cg-$1.out" \
    "$BIN" serve --data "$data" \
    --listen "127.0.0.1:$PORT" >"$WORK/serve-$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.5
  done
  if [ "$1" = load ]; then
    for r in 0 1 2 3 4; do
      curl -sf -o "$WORK/resp$r" -X POST -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$WORK/batch$r.ndjson" \
        "http://127.0.0.1:$PORT/v1/flags:batch"
      [ "$(grep -c '"status":201' "$WORK/resp$r")" = 1000 ] || { echo "batch $r: not all 201" >&2; exit 1; }
    done
  else
    sleep 3
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  # One file a thread; the writer's is the one that ran the group commit loop.
  local all=0 writer=0 n f
  for f in "$WORK"/cg-$1.out-*; do
    n=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
    all=$((all + n))
    if grep -q "GroupCommitter::Loop" "$f"; then writer=$((writer + n)); fi
  done
  echo "$all $writer"
}

read -r load load_writer < <(run load)
read -r idle idle_writer < <(run idle)
echo "loaded run: $load instructions, idle run: $idle"
echo "instructions per flag: $(((load - idle) / 5000))"
echo "the writer thread's instructions per flag: $(((load_writer - idle_writer) / 5000))"
