#!/usr/bin/env bash
# openapi.yaml against the running API: validates the document, then runs schemathesis (every
# check, see schemathesis.toml) against articles-local on a fresh in-memory engine.
#
#   local/conformance.sh              (needs openapi-spec-validator and schemathesis on PATH:
#                                      pip install openapi-spec-validator schemathesis)
#
# Exits non-zero on any 5xx, any response that does not conform to openapi.yaml, or any
# other failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in openapi-spec-validator schemathesis; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: pip install $tool" >&2; exit 1; }
done

openapi-spec-validator openapi.yaml

cargo build -q -p articles-local
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/articles-local
port=${CONFORMANCE_PORT:-18611}
export ARTICLES_API_TOKEN
ARTICLES_API_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
log=$(mktemp)
"$bin" --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 150); do
  curl -s -o /dev/null "http://127.0.0.1:$port/articles" && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done

schemathesis run openapi.yaml --url "http://127.0.0.1:$port"
