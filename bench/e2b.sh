#!/usr/bin/env bash
# Runs `swissagent-bench e2b` against the E2B test server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$((40000 + RANDOM % 10000))
key=e2b_0123456789abcdef
E2B_TEST_KEY=$key python3 Tests/SandboxTests/E2B/e2b_test_server.py "$port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 0.5
swift build -c release --product swissagent-bench >/dev/null
E2B_API_KEY=$key E2B_API_URL="http://127.0.0.1:$port" E2B_SANDBOX_URL="http://127.0.0.1:$port" .build/release/swissagent-bench e2b "$@"
