#!/usr/bin/env bash
# Runs Switchboard. With no DATABASE_URL/REDIS_URL it is the embedded single-node
# mode: data in ./data, a demo site and an admin printed on the first start.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}
export SQLX_OFFLINE=true
scripts/assets.sh
exec cargo run --release --bin switchboard -- "$@"
