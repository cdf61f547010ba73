# Sourced by record.sh, ab.sh and instructions.sh: the latest bench run's binaries and project
# ($run, $bin), a scratch folder ($scratch) and the processes in $pids, both cleaned up on
# exit; what one W2 or W3 turn sends to the server on port 39400, the load that repeats it,
# the demo backend, the server under test, and what is read off them. Expects $workload.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run=$(ls -d "$root"/target/bench-runs/*/ | tail -1)
bin=$run/bin
scratch=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT
upstream=http://127.0.0.1:39363/api/v2

# Waits for http://127.0.0.1:PORT/PATH to answer, TRIES times 0.1 s apart (default 100).
ready() {
  for _ in $(seq "${3:-100}"); do
    curl -sf "http://127.0.0.1:$1/$2" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# The demo backend on CPU 1, port 39363; its pid goes into $pids for the caller's cleanup.
start_backend() {
  taskset -c 1 "$bin/switchboard" demo-backend --listen 127.0.0.1:39363 >/dev/null 2>&1 &
  pids+=($!)
  ready 39363 admin/stats
}

# Switchboard build EXE serving the run's demo project on CPU 0, port 39400, data in DATA,
# output to LOG, under the command WRAP... if given (valgrind); its pid in $server and $pids.
start_switchboard() {
  local exe=$1 data=$2 log=$3
  shift 3
  STORE_URL=$upstream taskset -c 0 "$@" "$exe" serve -c "$run/projects/store.yaml" \
    --listen 127.0.0.1:39400 --data-dir "$data" >"$log" 2>&1 &
  server=$!
  pids+=($server)
}

# The hand-written server EXE on CPU 0, port 39400, output to LOG, with extra ARGS...
# (`--spin-us`, `--layers`); its pid in $server and $pids.
start_baseline() {
  local exe=$1 log=$2
  shift 2
  taskset -c 0 "$exe" --listen 127.0.0.1:39400 --upstream "$upstream" --api-key demo-key \
    "$@" >"$log" 2>&1 &
  server=$!
  pids+=($server)
}

# The server's CPU time so far, in clock ticks (utime+stime).
ticks() { awk '{print $14+$15}' "/proc/$server/stat"; }

# The turns a load generator's JSON (on stdin) counts.
turns_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# Microseconds of CPU per turn: ticks before, ticks after, turns.
per_turn() { echo $(( ($2 - $1) * 1000000 / $(getconf CLK_TCK) / $3 )); }

if [ "$workload" = W2 ]; then
  url=http://127.0.0.1:39400/v1/chat
  body='{"user_id":"{user}","text":"where is my order 1001?"}'
  expect="your order 1001 is shipped"
else
  url=http://127.0.0.1:39400/webhook
  body='{"next_action":"action_order_status","sender_id":"{user}","tracker":{"sender_id":"{user}","slots":{"order_id":"1001"},"latest_message":{"text":"where is my order 1001?","intent":{"name":"order_status","confidence":0.98},"entities":[{"entity":"order_id","value":"1001"}]},"events":[]},"domain":{},"version":"3.10.0"}'
  expect=shipped
fi

# 64 connections (or $concurrency) for the duration given (`2000ms`); the load generator's
# JSON on stdout.
load() {
  taskset -c 1 "$bin/loadgen" chat --url "$url" --body "$body" --expect "$expect" \
    --concurrency "${concurrency:-64}" --duration "$1"
}
