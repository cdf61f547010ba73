#!/bin/bash
# An interleaved A/B of two builds of the server on one workload at setting b, for changes
# smaller than the machine's noise (one build varies by 10 to 20 % between runs minutes
# apart; runs of A and B alternated within a minute share most of that drift).
#
#   bench/profile/ab.sh W2|W3 PAIRS SWITCHBOARD_A SWITCHBOARD_B
#
# Needs a finished `cargo xtask bench` run (its loadgen, demo backend and copy of the demo
# project, under target/bench-runs/<latest>/). Starts the demo backend on CPU 1 (port 39363),
# then for each pair starts A and B in turn on CPU 0 (port 39400, a fresh data directory
# each), warms each up for 1.5 s with 64 connections and measures 4 s. The order within a pair
# alternates. Prints each run (side, CPU µs per turn from /proc utime+stime, turns), then the
# medians and the median of B's CPU per turn over A's within a pair.
set -euo pipefail
workload=$1 pairs=$2 bin_a=$3 bin_b=$4
# shellcheck source=workload.sh
source "$(dirname "$0")/workload.sh"
results=$scratch/results

start_backend

one() {
  local side=$1 exe=$2 data t0 t1 turns
  data=$(mktemp -d -p "$scratch")
  start_switchboard "$exe" "$data" /dev/null
  ready 39400 readyz
  load 1500ms >/dev/null
  t0=$(ticks)
  turns=$(load 4000ms | turns_of)
  t1=$(ticks)
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
  echo "$side $(per_turn "$t0" "$t1" "$turns") $turns" | tee -a "$results"
}

for i in $(seq "$pairs"); do
  if (( i % 2 )); then one A "$bin_a"; one B "$bin_b"; else one B "$bin_b"; one A "$bin_a"; fi
done

python3 - "$results" <<'EOF'
import statistics, sys
runs = {"A": [], "B": []}
for line in open(sys.argv[1]):
    side, cpu, turns = line.split()
    runs[side].append((int(cpu), int(turns)))
for side, rows in runs.items():
    print(f"{side}: CPU per turn median {statistics.median(r[0] for r in rows)} µs, "
          f"turns per 4 s median {statistics.median(r[1] for r in rows)}")
ratios = [b[0] / a[0] for a, b in zip(runs["A"], runs["B"])]
print(f"B / A, CPU per turn, median of {len(ratios)} pairs: {statistics.median(ratios):.3f}")
EOF
