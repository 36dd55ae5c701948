# Sourced by smoke.sh and bench.sh: two `switchboard serve` nodes on a fresh database and
# a fresh Redis key prefix, removed again (nodes, database, keys, files) on exit.
#
# Needs: $server_bin, $run_name (database and prefix stem). Optional: TEST_DATABASE_URL,
# TEST_REDIS_URL, $db_options (appended to the database URL). The caller exports any
# SWITCHBOARD__* settings before sourcing. Sets: $work (a temporary directory holding the
# nodes' a.out/a.err/b.out/b.err), $urls (--url A --url B), $server_pids (--server-pid …),
# $pids and the `cleanup` function (the EXIT trap; a caller's own trap must call it).
admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
run_id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
db=sb_${run_name}_$run_id
prefix=${run_name}_$run_id:
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
export DATABASE_URL="${admin_url%/*}/$db${db_options:-}"
export REDIS_URL=$redis_url
export SWITCHBOARD__REDIS__PREFIX=$prefix
export SWITCHBOARD_LISTEN=127.0.0.1:0

urls=()
server_pids=()
for node in a b; do
  "$server_bin" serve >"$work/$node.out" 2>"$work/$node.err" &
  pids+=($!)
  server_pids+=(--server-pid $!)
done
for node in a b; do
  for _ in $(seq 1 300); do
    grep -q 'listening on' "$work/$node.out" 2>/dev/null && break
    sleep 0.2
  done
  url=$(sed -n 's/.*listening on //p' "$work/$node.out")
  [ -n "$url" ] || { echo "$run_name: node $node did not start" >&2; cat "$work/$node.err" >&2; exit 1; }
  urls+=(--url "$url")
done
