#!/usr/bin/env bash
# The load-test smoke run for CI: two local nodes on a fresh database and a fresh Redis
# key prefix, a site and managers made by `loadtest setup`, then every preset with
# `--smoke` (a few seconds, small numbers). Fails on any loss, duplicate, seq gap, double
# claim or error. Cleans up after itself (nodes, database, Redis keys) even on failure.
#
# Uses $CARGO_TARGET_DIR/debug/{switchboard,loadtest} (built when missing), Postgres from
# TEST_DATABASE_URL (a URL of any database on the server: the smoke creates its own) and
# Redis from TEST_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
server_bin=${SWITCHBOARD_BIN:-$target/debug/switchboard}
loadtest_bin=${LOADTEST_BIN:-$target/debug/loadtest}
[ -x "$server_bin" ] || cargo build --bin switchboard
[ -x "$loadtest_bin" ] || cargo build -p switchboard-loadtest

admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
run_id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
db=sb_smoke_$run_id
prefix=smoke_$run_id:
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "${prefix}*" | xargs -r redis-cli -u "$redis_url" del >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${admin_url%/*}/$db"
export REDIS_URL=$redis_url
export SWITCHBOARD__REDIS__PREFIX=$prefix
export SWITCHBOARD_LISTEN=127.0.0.1:0

urls=()
for node in a b; do
  "$server_bin" serve >"$work/$node.out" 2>"$work/$node.err" &
  pids+=($!)
done
for node in a b; do
  for _ in $(seq 1 300); do
    grep -q 'listening on' "$work/$node.out" 2>/dev/null && break
    sleep 0.2
  done
  url=$(sed -n 's/.*listening on //p' "$work/$node.out")
  [ -n "$url" ] || { echo "smoke: node $node did not start" >&2; cat "$work/$node.err" >&2; exit 1; }
  urls+=(--url "$url")
done

"$loadtest_bin" setup "${urls[@]:0:2}" --switchboard-bin "$server_bin" --managers 4 --out "$work/fixture.json"

failed=()
for preset in relay idle burst signaling reconnect login; do
  echo "--- smoke: $preset"
  if ! "$loadtest_bin" run --smoke --preset "$preset" --fixture "$work/fixture.json" "${urls[@]}"; then
    failed+=("$preset")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "smoke: FAILED: ${failed[*]}" >&2
  for node in a b; do echo "--- node $node log (tail)" >&2; tail -n 30 "$work/$node.err" >&2; done
  exit 1
fi
echo "smoke: all presets passed"
