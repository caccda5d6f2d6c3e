#!/usr/bin/env bash
# POST /v1/jobs under load from a second process (wrk, keep-alive), against a release build, under
# its own key prefix, which it deletes afterwards. Usage: bench/api.sh [seconds] [connections]
# API_ARGS="--no-access-log" passes flags to the API. RATE=2500 bench/api.sh 10 8 paces the load to about 2,500 requests/s (latency at that rate).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
# SWISSAGENT_BIN: a binary already built (e.g. the image's static one); otherwise a release build.
bin=${SWISSAGENT_BIN:-}
if [ -z "$bin" ]; then swift build -c release --product swissagent >/dev/null; bin=.build/release/swissagent; fi
port=$((18000 + RANDOM % 1000))
prefix="swissagent-bench-api-$$:"
SWISSAGENT_API_TOKENS='bench-token=bench' "$bin" api --port "$port" --prefix "$prefix" ${API_ARGS:-} 2>/dev/null &
api=$!
trap 'kill $api 2>/dev/null; redis-cli --scan --pattern "${prefix}*" | xargs -r -n 500 redis-cli unlink >/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
CONNS="${2:-32}" wrk -t2 -c"${2:-32}" -d"${1:-10}"s --latency -s bench/api_post.lua "http://127.0.0.1:$port/v1/jobs"
