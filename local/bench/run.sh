#!/usr/bin/env bash
# The project's benchmark: the comparison's wrk command against articles-local, and the
# embedded engine's own floor measured in the same run.
#
#   local/bench/run.sh [SECONDS] [WRK ARGS...]     (defaults: 20 s, -t10 -c200)
#
# Measures, each with wrk --latency:
#   GET /articles, GET /articles/1 and a mixed authenticated write workload (writes.lua)
#   against `articles-local` (release build, as it ships: embedded in-memory engine);
#   the floor: the engine's raw Query and GetItem over its DynamoDB API
#   (`articles-local dynamodb`, local/bench/engine.lua), the same operations those reads make.
# Prints req/s, p50 and p99 for each, and our ratio to the floor.
# Needs wrk (apt-get install wrk). Run from anywhere inside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}; shift $(( $# > 0 ? 1 : 0 ))
wrk_args=${*:--t10 -c200}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

cargo build --release -q -p articles-local
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/articles-local
api_port=${API_PORT:-18501}; engine_port=${ENGINE_PORT:-18502}
log=$(mktemp -d)/bench
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { # url [curl args]
  for _ in $(seq 150); do curl -s -o /dev/null "$@" && return 0; sleep 0.2; done
  echo "no answer from $1" >&2; exit 1
}

ARTICLES_API_TOKEN=bench-token "$bin" --port "$api_port" >"$log.api" 2>&1 & pids+=($!)
"$bin" dynamodb --port "$engine_port" >"$log.engine" 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$api_port/articles"
wait_for "http://127.0.0.1:$engine_port/"

# run NAME URL [SCRIPT [ENGINE_OP]]: one wrk run; prints "NAME req/s p50 p99 non2xx"
run() {
  local name=$1 url=$2 script=${3:-} op=${4:-Query} out
  # shellcheck disable=SC2086
  out=$(ARTICLES_API_TOKEN=bench-token ENGINE_OP=$op wrk -d"${secs}s" $wrk_args --latency ${script:+-s "$script"} "$url")
  python3 - "$name" <<PY
import re, sys
out = """$out"""
def field(pattern, default="0"):
    m = re.search(pattern, out, re.M)
    return m.group(1) if m else default
rps = field(r"^Requests/sec:\s+([\d.]+)")
p50 = field(r"^\s+50%\s+(\S+)")
p99 = field(r"^\s+99%\s+(\S+)")
bad = field(r"Non-2xx or 3xx responses:\s+(\d+)")
errs = field(r"Socket errors: (.*)$", "none")
print(f"{sys.argv[1]} {rps} {p50} {p99} {bad} {errs.replace(' ', '_')}")
PY
}

results=$(
  run list "http://127.0.0.1:$api_port/articles"
  run get "http://127.0.0.1:$api_port/articles/1"
  run writes "http://127.0.0.1:$api_port" local/bench/writes.lua
  run floor-query "http://127.0.0.1:$engine_port/" local/bench/engine.lua Query
  run floor-getitem "http://127.0.0.1:$engine_port/" local/bench/engine.lua GetItem
)
python3 - "$secs" "$wrk_args" <<PY
rows = [l.split() for l in """$results""".strip().splitlines()]
data = {r[0]: r for r in rows}
print(f"wrk -d{__import__('sys').argv[1]}s {__import__('sys').argv[2]} --latency, one run, $(nproc) cores")
print(f"{'workload':<44} {'req/s':>10} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
names = {
  "list": "GET /articles (articles-local)",
  "get": "GET /articles/1 (articles-local)",
  "writes": "create/get/update/delete mix (articles-local)",
  "floor-query": "floor: engine Query over its API",
  "floor-getitem": "floor: engine GetItem over its API",
}
for key, label in names.items():
    r = data[key]
    print(f"{label:<44} {float(r[1]):>10.0f} {r[2]:>9} {r[3]:>9} {r[4]:>8}")
ratio = lambda a, b: float(data[a][1]) / max(float(data[b][1]), 1e-9)
print(f"GET /articles / engine Query floor   = {ratio('list', 'floor-query'):.2f}")
print(f"GET /articles/1 / engine GetItem floor = {ratio('get', 'floor-getitem'):.2f}")
bad = [r[0] for r in rows if r[0] != "writes" and r[4] != "0"]
if bad:
    raise SystemExit(f"non-2xx answers in: {', '.join(bad)}")
PY
