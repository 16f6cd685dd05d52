#!/usr/bin/env bash
# `make test-api`: schemathesis (pinned, in .venv-api/) against docs/openapi.yaml, on a server
# started on Models/demo.model on a free loopback port. Usage: scripts/test-api.sh BINARY [MORE ARGS]
set -euo pipefail
bin=$1; shift
venv=${API_VENV:-.venv-api}
dir=$(mktemp -d)
"$bin" serve Models/demo.model --port 0 >"$dir/out" 2>"$dir/err" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$dir/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "test-api: the server did not report its port" >&2; exit 1; }
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run docs/openapi.yaml --url "http://127.0.0.1:$port" --checks all \
  --max-examples "${API_EXAMPLES:-100}" --seed 42 "$@"
kill -0 "$pid" || { echo "test-api: the server died" >&2; cat "$dir/err" >&2; exit 1; }
