#!/usr/bin/env bash
# `swissagent-bench queue` against one redis-server and through the cluster client against a
# three-master Redis Cluster (made here with redis-cli --cluster create), alternated, and what the
# cluster client keeps of each figure. The bench uses one queue, so one slot on one master: this
# measures what the client costs (slot routing, the map), not scaling. Target: at least 80%.
# Usage: bench/cluster.sh [bench queue options]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
base=$((21000 + RANDOM % 5000))
ports=($((base + 1)) $((base + 2)) $((base + 3)))
single=$base
stop() {
  for p in "$single" "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap stop EXIT
common=(--bind 127.0.0.1 --save "" --appendonly no --daemonize yes)
redis-server --port "$single" --dir "$dir" "${common[@]}" >/dev/null
for p in "${ports[@]}"; do
  mkdir -p "$dir/$p"
  redis-server --port "$p" --dir "$dir/$p" --cluster-enabled yes --cluster-config-file nodes.conf "${common[@]}" >/dev/null
done
sleep 0.5
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
until redis-cli -p "${ports[0]}" cluster info | grep -q cluster_state:ok; do sleep 0.2; done
swift build -c release --product swissagent-bench >/dev/null 2>&1 || swift build -c release --product swissagent-bench
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--jobs 20000 --concurrency 1 --concurrency 16)
cluster_url="redis-cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}"
for run in 1 2; do
  REDIS_URL="redis://127.0.0.1:$single" .build/release/swissagent-bench queue --json "${args[@]}" > "$dir/single-$run.json"
  REDIS_URL="$cluster_url" .build/release/swissagent-bench queue --json "${args[@]}" > "$dir/cluster-$run.json"
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
single, cluster = load("single"), load("cluster")
print("swissagent-bench queue, one redis-server and a three-master cluster (best of 2 runs each)")
for k in single:
    share = cluster[k] / single[k] * 100
    print(f"  {k:24} single {single[k]:>10,.0f}   cluster {cluster[k]:>10,.0f}   {share:5.0f}%  {'ok' if share >= 80 else 'BELOW 80%'}")
PY
