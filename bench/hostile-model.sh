#!/usr/bin/env bash
# `swissagent run --task` against a model server that misbehaves on purpose (the tests' scripted
# chat server): 200 MB of streamed text and no end, one tool call with 64 MB of arguments, a reply
# with 20,000 tool calls, and a server that drips one byte every 2 s. For each: how the run ended,
# how long it took, and the process's peak resident memory. Needs no Redis.
# Usage: bench/hostile-model.sh. SWISSAGENT_BIN: a built binary (default a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SWISSAGENT_BIN:-}
if [ -z "$bin" ]; then swift build -c release --product swissagent >/dev/null; bin=.build/release/swissagent; fi
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
work=$(mktemp -d)
python3 Tests/TestServers/chat_test_server.py 0 >"$work/server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q ready "$work/server.out" && break; sleep 0.1; done
port=$(awk '/ready/ {print $2}' "$work/server.out")
export SWISSAGENT_LLM_URL="http://127.0.0.1:$port/bench/v1" SWISSAGENT_LLM_MODEL=m SWISSAGENT_LLM_RESIDENCY=in-cluster
run() {  # name, JSON answers, extra flags
  curl -s -X POST --data "$2" "http://127.0.0.1:$port/bench/_script" >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" run --task "Anything." $3 >/dev/null 2>"$work/err" || true
  read -r secs kb < <(tail -1 "$work/time")
  printf '%-28s %7s s %8s MB peak  %s\n' "$1" "$secs" "$((kb / 1024))" "$(grep -o "── .*" "$work/err" | tail -1 | cut -c1-170)"
}
run "200 MB of text, no [DONE]" '[{"flood": 200000000}]' ""
run "one call, 64 MB arguments" '[{"flood_args": 64000000}]' ""
run "20,000 calls in one reply" '[{"calls": 20000}, {"text": "done"}]' ""
run "a byte every 2 s" '[{"drip": 2}, {"drip": 2}, {"drip": 2}, {"drip": 2}]' "--model-timeout 20"
