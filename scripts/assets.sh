#!/usr/bin/env bash
# Builds the widget (static/dist) and the manager panel (admin/dist) from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "FATAL: npm (Node.js 20) is needed to build the widget and the panel" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
