# Sourced by record.sh, ab.sh and instructions.sh: the latest bench run's binaries and project
# ($run, $bin), a scratch folder ($scratch) and the processes in $pids, both cleaned up on
# exit; what one W2 or W3 turn sends to the server on port 39400, the load that repeats it,
# the demo backend, and a wait for a port to answer. Expects $workload.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run=$(ls -d "$root"/target/bench-runs/*/ | tail -1)
bin=$run/bin
scratch=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT
ready() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/$2" >/dev/null && return 0; sleep 0.1; done; return 1; }

# The demo backend on CPU 1, port 39363; its pid goes into $pids for the caller's cleanup.
start_backend() {
  taskset -c 1 "$bin/switchboard" demo-backend --listen 127.0.0.1:39363 >/dev/null 2>&1 &
  pids+=($!)
  ready 39363 admin/stats
}

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
