#!/usr/bin/env bash
# Browser tests: Debian's Chromium driven by npm's playwright-core.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/apt-need.sh chromium chromium
export SWITCHBOARD_BIN=${SWITCHBOARD_BIN:-${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}/debug/switchboard}
[ -x "$SWITCHBOARD_BIN" ] || { echo "FATAL: $SWITCHBOARD_BIN is not built (cargo build --bin switchboard)" >&2; exit 1; }
ls tests/browser/*.test.mjs >/dev/null 2>&1 || { echo "FATAL: no browser tests found in tests/browser" >&2; exit 1; }
node --test --test-concurrency=1 tests/browser/
