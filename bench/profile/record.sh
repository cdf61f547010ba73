#!/bin/bash
# Profiles one workload's turn under load, the way the flame graphs in bench/results were made.
#
#   bench/profile/record.sh W1|W2|W3 switchboard|baseline OUT_PREFIX
#
# W1 has no server: it records the `w1` binary itself (pipeline mode for switchboard, bare
# reqwest for baseline) at 64 calls in flight, 4 s of its 7 s window, after 2 s.
#
# Needs a finished `cargo xtask bench` run (its binaries and its copy of the demo project,
# under target/bench-runs/<latest>/), Linux `perf`, and `inferno` (`cargo install inferno`).
# Starts the demo backend on CPU 1, the system on CPU 0 (ports 39363 and 39400 on 127.0.0.1),
# warms it up for 2 s with 64 connections, then records 4 s of the 5 s window at 1999 Hz with
# DWARF call graphs. Writes OUT_PREFIX.folded and OUT_PREFIX.svg, and prints the system's CPU
# per turn over the window (utime+stime from /proc; perf's own overhead included).
set -euo pipefail
workload=$1 system=$2 out=$3
# shellcheck source=workload.sh
source "$(dirname "$0")/workload.sh"
data=$scratch

start_backend
if [ "$workload" = W1 ]; then
  mode=pipeline
  [ "$system" = baseline ] && mode=bare
  taskset -c 0 "$bin/w1" --project "$run/projects/store.yaml" --upstream "$upstream" \
    --mode "$mode" --concurrency 64 --warmup 1s --duration 7s >"$out.load.json" 2>/dev/null &
  server=$!
  pids+=($server)
  sleep 2
  before=$(ticks)
  perf record -F 1999 -g --call-graph dwarf,16384 -p "$server" -o "$out.perf.data" -- sleep 4 >/dev/null 2>&1
  after=$(ticks)
  wait "$server"
  # Calls in the perf window, at the measured window's rate.
  calls=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["requests"] * 4 / 7))' "$out.load.json")
  echo "W1 $system: $(per_turn "$before" "$after" "$calls") µs of CPU per call over about $calls calls"
else
  if [ "$system" = switchboard ]; then
    start_switchboard "$bin/switchboard" "$data" "$out.server.log"
  else
    start_baseline "$bin/baseline" "$out.server.log"
  fi
  ready 39400 readyz

  load 2000ms >/dev/null
  before=$(ticks)
  perf record -F 1999 -g --call-graph dwarf,16384 -p "$server" -o "$out.perf.data" -- sleep 4 >/dev/null 2>&1 &
  recorder=$!
  load 5000ms >"$out.load.json"
  after=$(ticks)
  wait $recorder
  turns=$(turns_of <"$out.load.json")
  echo "$workload $system: $(per_turn "$before" "$after" "$turns") µs of CPU per turn over $turns turns"
fi

DEBUGINFOD_URLS= perf script -i "$out.perf.data" --no-inline 2>/dev/null | inferno-collapse-perf --kernel >"$out.folded"
inferno-flamegraph --minwidth 0.1 --title "$workload at setting b, $system" <"$out.folded" >"$out.svg"
rm -f "$out.perf.data"
