#!/bin/bash
# Splits CPU per turn into user and kernel time, for Switchboard and for the hand-written
# server as it is, slowed down, and with Switchboard's common layers, at setting b. It asks
# whether the kernel's larger share under Switchboard (the same sends and receives per turn,
# costing more each) is Switchboard's doing or follows from the time spent between sends: a
# loopback send that wakes an idle peer costs more than one that finds it busy.
#
#   bench/profile/wakeups.sh W2|W3 RUNS SWITCHBOARD BASELINE SPIN_US
#
# Needs a finished `cargo xtask bench` run (its loadgen, demo backend and copy of the demo
# project) and a `baseline` build with `--spin-us` and `--layers` (BASELINE). Interleaves, RUNS
# times: Switchboard, the hand-written server, the same burning SPIN_US of CPU per request, and
# the same with the common layers; each warmed up 1.5 s and measured 4 s at 64 connections.
# Prints the medians of user and kernel µs per turn (utime and stime from /proc) and turns/s.
set -euo pipefail
workload=$1 runs=$2 switchboard=$3 baseline=$4 spin=$5
# shellcheck source=workload.sh
source "$(dirname "$0")/workload.sh"
results=$scratch/results

start_backend

# The server's user and kernel ticks so far, "utime stime".
user_kernel_ticks() { awk '{print $14, $15}' "/proc/$server/stat"; }

one() {
  local label=$1
  shift
  local data u0 s0 u1 s1 turns
  data=$(mktemp -d -p "$scratch")
  if [ "$label" = switchboard ]; then
    start_switchboard "$switchboard" "$data" /dev/null
  else
    start_baseline "$baseline" /dev/null "$@"
  fi
  ready 39400 readyz
  load 1500ms >/dev/null
  read -r u0 s0 < <(user_kernel_ticks)
  turns=$(load 4000ms | turns_of)
  read -r u1 s1 < <(user_kernel_ticks)
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
  echo "$label $(per_turn "$u0" "$u1" "$turns") $(per_turn "$s0" "$s1" "$turns") $turns" | tee -a "$results"
}

for _ in $(seq "$runs"); do
  one switchboard
  one hand-written
  one "hand-written+spin$spin" --spin-us "$spin"
  one hand-written+layers --layers
done

python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, user, kernel, turns = line.split()
    runs[label].append((int(user), int(kernel), int(turns)))
print("| server | user µs/turn | kernel µs/turn | turns/s |")
print("|---|---|---|---|")
for label, rows in runs.items():
    med = lambda i: statistics.median(r[i] for r in rows)
    print(f"| {label} | {med(0):.0f} | {med(1):.0f} | {med(2) / 4:.0f} |")
PY
