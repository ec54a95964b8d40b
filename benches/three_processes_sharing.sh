#!/usr/bin/env bash
# Three `apply` processes on one key, sharing the budget through Redis,
# against one standalone fake whose limit is the key's: the fake's request
# log (read over /__admin/) shows the requests per 10 s window and per
# process, the busiest 60 s, and the 429s (there should be none).
#
#   bash benches/three_processes_sharing.sh [LIMIT_PER_MINUTE] [ROWS_PER_PROCESS]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-120}
rows=${2:-40}
work=$(mktemp -d)
cleanup() { kill "$fake_pid" "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cargo build --quiet --release --features cli --bin upheal-provider-users
bin=target/release/upheal-provider-users

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$work/redis.log" 2>&1 &
redis_pid=$!
"$bin" fake-server --port 0 --rate-limit "$limit" --api-key sharing-key > "$work/fake.out" &
fake_pid=$!
until grep -q "listening on" "$work/fake.out" 2>/dev/null; do sleep 0.1; done
base=$(sed -n 's/^fake Upheal server listening on //p' "$work/fake.out")

for p in 1 2 3; do
  printf 'partnerUserId,therapyLicence\n' > "$work/p$p.csv"
  users="["
  for i in $(seq 1 "$rows"); do
    printf 'p%s-%s,L-%s\n' "$p" "$i" "$i" >> "$work/p$p.csv"
    users+="{\"partnerUserId\":\"p$p-$i\",\"firstName\":\"F\",\"lastName\":\"L\",\"email\":\"p$p-$i@example.com\"},"
  done
  curl -s -X POST "$base/__admin/users" -d "${users%,}]" > /dev/null
done

started=$(date +%s.%N)
pids=()
for p in 1 2 3; do
  "$bin" apply "$work/p$p.csv" --quiet --base-url "$base" --api-key sharing-key \
    --rate-limit "$limit" --redis "redis://127.0.0.1:$redis_port" > "$work/p$p.out" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || { cat "$work"/p*.out; echo "an apply process failed"; exit 1; }
done
elapsed=$(python3 -c "import time; print(round(time.time() - $started, 1))")

curl -s "$base/__admin/requests" > "$work/log.json"
python3 - "$work/log.json" "$limit" "$elapsed" <<'PY'
import json, sys
log, limit, elapsed = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
t0 = min(r["receivedAtMs"] for r in log)
windows = {}
for r in log:
    w = int((r["receivedAtMs"] - t0) // 10000)
    p = r["path"].rsplit("/", 1)[-1].split("-")[0]
    windows.setdefault(w, {}).setdefault(p, 0)
    windows[w][p] += 1
print(f"{len(log)} requests in {elapsed} s, limit {limit}/min shared by 3 processes")
print("window   p1  p2  p3  total")
for w in sorted(windows):
    c = windows[w]
    print(f"{w*10:>3}-{w*10+10:<3}s {c.get('p1',0):>3} {c.get('p2',0):>3} {c.get('p3',0):>3} {sum(c.values()):>5}")
times = sorted(r["receivedAtMs"] for r in log)
busiest = max(sum(1 for t in times if s <= t < s + 60000) for s in times)
print(f"busiest 60 s: {busiest} requests (limit {limit}); 429s: {sum(r['status'] == 429 for r in log)}")
PY
