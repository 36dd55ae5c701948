#!/usr/bin/env bash
# The load generator's smoke run (seconds, small numbers; fails on any loss).
set -euo pipefail
cd "$(dirname "$0")/.."
exec loadtest/smoke.sh "$@"
