#!/usr/bin/env bash
# The whole test suite: formatting and lints, Rust unit and integration tests on real
# Postgres and Redis (cargo nextest), the chart checks, the load-test smoke run and
# the browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}
export SQLX_OFFLINE=true

step() { printf '\n==> %s\n' "$*"; }

# Before the defaults below: without TEST_* given, the local services are started.
step "services"
scripts/services.sh
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}

step "formatting"
cargo fmt --all -- --check

step "build"
cargo build --workspace --all-targets
scripts/assets.sh

step "rust tests (nextest)"
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "FATAL: cargo-nextest is missing (cargo install cargo-nextest --locked)" >&2
  exit 1
fi
cargo nextest run --workspace --no-fail-fast

if [ -x scripts/check-helm.sh ]; then
  step "helm chart"
  scripts/check-helm.sh
fi

if [ -x scripts/loadtest-smoke.sh ]; then
  step "load test smoke"
  scripts/loadtest-smoke.sh
fi

step "browser tests (installs Chromium when missing)"
scripts/browser.sh

step "widget and panel unit tests (node; the call loopback test uses Chromium)"
node --test static/test/ admin/src/ admin/test/

step "load balancer config (nginx, websocket upgrade, drain)"
deploy/check-nginx.sh "$CARGO_TARGET_DIR/debug/switchboard"
