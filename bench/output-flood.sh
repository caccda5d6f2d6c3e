#!/usr/bin/env bash
# A step that floods its output (MB of it, default 200) through a real worker against the Redis at
# REDIS_URL (default the local one): the worker's peak resident memory, what Redis keeps of the
# job's output, and how long it took. Runs under its own key prefix, deleted afterwards.
# Usage: bench/output-flood.sh [MB] [stored-output-mb]. SWISSAGENT_BIN: a built binary (default a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
stored=${2:-16}
bin=${SWISSAGENT_BIN:-}
if [ -z "$bin" ]; then swift build -c release --product swissagent >/dev/null; bin=.build/release/swissagent; fi
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export SWISSAGENT_PREFIX="swissagent-bench-flood-$$:"
cli() { redis-cli -u "$REDIS_URL" "$@"; }
job='{"max_attempts":1,"steps":[{"tool":"shell","limits":{"output_bytes":2000000000},"input":{"command":"yes flooding-the-output-stream | head -c '$((mb * 1000000))'"}}]}'
id=$(echo "$job" | "$bin" submit -)
"$bin" worker --concurrency 1 --stored-output-mb "$stored" --max-output-bytes 2000000000 2>/dev/null &
worker=$!
trap 'kill $worker 2>/dev/null; cli --scan --pattern "${SWISSAGENT_PREFIX}*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" unlink >/dev/null' EXIT
start=$(date +%s.%N)
peak=0
while :; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$worker/status 2>/dev/null || echo 0)
  [ "$rss" -gt "$peak" ] && peak=$rss
  state=$("$bin" jobs show "$id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  case $state in succeeded|failed|cancelled) break ;; esac
  sleep 0.05
done
took=$(echo "$(date +%s.%N) - $start" | bc)
key=$(cli --scan --pattern "${SWISSAGENT_PREFIX}*:job:${id}:output" | head -1)
echo "job $state after ${took} s; ${mb} MB printed, worker peak ${peak} kB resident"
echo "kept in Redis: $(cli memory usage "$key") bytes in $(cli xlen "$key") entries (cap ${stored} MB)"
