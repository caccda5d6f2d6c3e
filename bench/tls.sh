#!/usr/bin/env bash
# `swissagent-bench queue` over plain TCP and over TLS against one redis-server that serves both
# (a CA and certificate made here with openssl; the client verifies it), alternated, and what TLS
# keeps of each figure. Target: at least 70%. Usage: bench/tls.sh [bench queue options]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
port=$((21000 + RANDOM % 5000)) tls=$((26000 + RANDOM % 5000))
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
(
  cd "$dir"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=bench-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile server.ext 2>/dev/null
)
redis-server --port "$port" --tls-port "$tls" --tls-cert-file "$dir/server.crt" --tls-key-file "$dir/server.key" \
  --tls-ca-cert-file "$dir/ca.crt" --tls-auth-clients no --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --dir "$dir" >/dev/null
sleep 0.3
swift build -c release --product swissagent-bench >/dev/null 2>&1 || swift build -c release --product swissagent-bench
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--jobs 20000 --concurrency 1 --concurrency 16)
for run in 1 2; do
  REDIS_URL="redis://127.0.0.1:$port" .build/release/swissagent-bench queue --json "${args[@]}" > "$dir/plain-$run.json"
  REDIS_URL="rediss://127.0.0.1:$tls" REDIS_TLS_CA_FILE="$dir/ca.crt" .build/release/swissagent-bench queue --json "${args[@]}" > "$dir/tls-$run.json"
done
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def load(kind):
    runs = [json.load(open(f"{d}/{kind}-{r}.json")) for r in (1, 2)]
    flat = lambda j: {"round trips/s": j["redis_round_trips_per_s"], "enqueue jobs/s": j["enqueue_per_s"],
                      **{f"claim+ack c{c} jobs/s": v for c, v in j["claim_ack_per_s"].items()}}
    figures = [flat(j) for j in runs]
    return {k: max(f[k] for f in figures) for k in figures[0]}
plain, tls = load("plain"), load("tls")
print("swissagent-bench queue, plain TCP and TLS on one redis-server (best of 2 runs each)")
for k in plain:
    share = tls[k] / plain[k] * 100
    print(f"  {k:24} plain {plain[k]:>10,.0f}   TLS {tls[k]:>10,.0f}   {share:5.0f}%  {'ok' if share >= 70 else 'BELOW 70%'}")
PY
