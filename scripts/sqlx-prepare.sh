#!/usr/bin/env bash
# Regenerates the offline query data (.sqlx/) of the store crates after a query or
# a migration changed. Needs the local Postgres; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}
PG_ADMIN=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
DB=switchboard_build_$$
psql "$PG_ADMIN/postgres" -qc "CREATE DATABASE $DB"
trap 'psql "$PG_ADMIN/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
for f in crates/store/migrations/*.sql; do psql "$PG_ADMIN/$DB" -q -v ON_ERROR_STOP=1 -f "$f"; done
rm -rf crates/store/.sqlx && mkdir -p crates/store/.sqlx
touch crates/store/src/lib.rs
SWITCHBOARD_PG_BUILD_URL="$PG_ADMIN/$DB" SQLX_OFFLINE_DIR="$PWD/crates/store/.sqlx" cargo check -p switchboard-store
if [ -d crates/store-sqlite/migrations ]; then
  tmp=$(mktemp -d)
  for f in crates/store-sqlite/migrations/*.sql; do sqlite3 "$tmp/build.db" < "$f"; done
  rm -rf crates/store-sqlite/.sqlx && mkdir -p crates/store-sqlite/.sqlx
  touch crates/store-sqlite/src/lib.rs
  SWITCHBOARD_SQLITE_BUILD_URL="sqlite://$tmp/build.db" SQLX_OFFLINE_DIR="$PWD/crates/store-sqlite/.sqlx" cargo check -p switchboard-store-sqlite
  rm -rf "$tmp"
fi
echo "offline query data regenerated"
