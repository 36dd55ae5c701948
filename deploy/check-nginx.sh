#!/usr/bin/env bash
# Checks deploy/nginx.conf with real nodes, without Docker: two `switchboard serve` nodes
# on loopback (cluster mode: Postgres + Redis), nginx with the compose file's config
# pointed at them, and deploy/check-nginx.mjs driving Socket.IO clients through it
# (websocket upgrade, drain of one node under live sockets, long-polling with affinity).
#
#   deploy/check-nginx.sh [path/to/switchboard]
#
# Needs: a built binary (default: the newer of release and debug under $CARGO_TARGET_DIR
# or target/), node and the repo's node_modules (socket.io-client), Postgres and Redis
# (TEST_DATABASE_URL, TEST_REDIS_URL; defaults: the local services), nginx (NGINX, else
# `nginx` on PATH, else Debian's package unpacked under /var/tmp by `apt-get download`).
# KEEP_WORK=1 keeps the nodes' and nginx's logs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${1:-}"
if [[ -z "$bin" ]]; then
  # The newer of the release and debug builds.
  for b in "$target/release/switchboard" "$target/debug/switchboard"; do
    if [[ -x "$b" && ( -z "$bin" || "$b" -nt "$bin" ) ]]; then bin="$b"; fi
  done
fi
[[ -x "$bin" ]] || { echo "check-nginx: no switchboard binary (build it, or pass its path)" >&2; exit 1; }
pg_base="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

nginx="${NGINX:-$(command -v nginx || true)}"
if [[ -z "$nginx" ]]; then
  cache=/var/tmp/switchboard-nginx
  if [[ ! -x "$cache/usr/sbin/nginx" ]]; then
    echo "check-nginx: unpacking Debian's nginx into $cache"
    mkdir -p "$cache/debs"
    # A fresh machine has no package lists yet.
    (cd "$cache/debs" && { apt-get download nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get download nginx >/dev/null; }; })
    for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache"; done
  fi
  nginx="$cache/usr/sbin/nginx"
fi

work="$(mktemp -d /var/tmp/switchboard-check-nginx.XXXXXX)"
db="check_nginx_$(basename "$work" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
database_url="${pg_base%/*}/$db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$pg_base" -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  redis-cli -u "$redis_url" --scan --pattern "$db:*" 2>/dev/null \
    | xargs -r redis-cli -u "$redis_url" del >/dev/null 2>&1 || true
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "check-nginx: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=$(free_port); port_b=$(free_port); port_lb=$(free_port); port_hash=$(free_port)
origin="http://127.0.0.1:$port_lb"

psql -q "$pg_base" -c "CREATE DATABASE $db"
export DATABASE_URL="$database_url" REDIS_URL="$redis_url" SWITCHBOARD__REDIS__PREFIX="$db:"
export SWITCHBOARD__SERVER__ASSETS_DIR="$root" SWITCHBOARD__LOG__FORMAT=json
# Small pools: the Postgres of a developer machine or CI is shared with other tests.
export SWITCHBOARD__DATABASE__MAX_CONNECTIONS=4
"$bin" migrate >/dev/null 2>"$work/migrate.log"
site_key=$("$bin" site create --name check-nginx --origin "$origin" 2>>"$work/migrate.log" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

start_node() { # port log
  SWITCHBOARD_LISTEN="127.0.0.1:$1" "$bin" serve >"$2.out" 2>"$2.err" &
  pids+=($!)
  for _ in $(seq 300); do grep -q listening "$2.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "check-nginx: node on port $1 did not start:" >&2; cat "$2.err" >&2; exit 1
}
start_node "$port_a" "$work/node-a"; pid_a=${pids[-1]}
start_node "$port_b" "$work/node-b"

# deploy/nginx.conf with loopback addresses instead of Docker's service names and DNS
# (Debian's nginx predates `resolve` in upstreams), and writable paths for a non-root run.
render() { # listen-port extra-upstream-line conf
  mkdir -p "$work/nginx-$1/tmp"
  sed -e "s/server node1:8080 resolve/server 127.0.0.1:$port_a/" \
      -e "s/server node2:8080 resolve/server 127.0.0.1:$port_b/" \
      -e '/resolver 127.0.0.11/d' \
      -e "s/listen 8080;/listen 127.0.0.1:$1;/" \
      -e "s#pid /tmp/nginx.pid;#pid $work/nginx-$1/nginx.pid;#" \
      -e "s#zone switchboard 64k;#zone switchboard 64k;\n        $2#" \
      -e "s#^http {#http {\n    client_body_temp_path $work/nginx-$1/tmp/body;\n    proxy_temp_path $work/nginx-$1/tmp/proxy;\n    fastcgi_temp_path $work/nginx-$1/tmp/fastcgi;\n    uwsgi_temp_path $work/nginx-$1/tmp/uwsgi;\n    scgi_temp_path $work/nginx-$1/tmp/scgi;#" \
      "$root/deploy/nginx.conf" >"$3"
  grep -q "127.0.0.1:$port_a" "$3" && grep -q "127.0.0.1:$port_b" "$3" \
    || { echo "check-nginx: deploy/nginx.conf no longer has the expected upstream lines" >&2; exit 1; }
}
start_nginx() { # conf
  "$nginx" -t -q -p "$work" -c "$1" -e /dev/stderr
  "$nginx" -p "$work" -c "$1" -e "$1.error.log" -g 'daemon off;' >"$1.out" 2>&1 &
  pids+=($!)
}
render "$port_lb" "" "$work/nginx.conf"
render "$port_hash" 'hash $binary_remote_addr consistent;' "$work/nginx-hash.conf"
chmod -R a+rwX "$work"   # nginx workers run as nobody
start_nginx "$work/nginx.conf"
start_nginx "$work/nginx-hash.conf"
for port in "$port_lb" "$port_hash"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/lb-healthz" >/dev/null && break; sleep 0.1; done
done

echo "check-nginx: $("$nginx" -v 2>&1), nodes :$port_a :$port_b, load balancers :$port_lb (round robin) :$port_hash (hash)"
LB="http://127.0.0.1:$port_lb" LB_HASH="http://127.0.0.1:$port_hash" ORIGIN="$origin" SITE_KEY="$site_key" \
NODE_A_PORT="$port_a" NODE_B_PORT="$port_b" VICTIM_PID="$pid_a" \
  node "$root/deploy/check-nginx.mjs"
