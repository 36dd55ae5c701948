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

run_name=smoke
# shellcheck source=loadtest/two-nodes.sh
source loadtest/two-nodes.sh

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
