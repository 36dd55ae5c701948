#!/usr/bin/env bash
# Makes sure the Postgres and Redis that the tests use are running on their default
# local ports, starting them when they are installed but stopped. Fails loudly when
# they cannot be had: tests never skip for want of a service. Also installs coturn,
# which the TURN test runs on a free port of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/apt-need.sh turnserver coturn

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if [ -n "${TEST_DATABASE_URL:-}" ] && [ -n "${TEST_REDIS_URL:-}" ]; then
  echo "services: using TEST_DATABASE_URL and TEST_REDIS_URL as given"
  exit 0
fi

if ! pg_up; then
  echo "services: starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "FATAL: PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started (install it, or set TEST_DATABASE_URL)" >&2; exit 1; }
fi

if ! redis_up; then
  echo "services: starting Redis"
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "FATAL: Redis is not reachable on 127.0.0.1:6379 and could not be started (install redis-server, or set TEST_REDIS_URL)" >&2; exit 1; }
fi
echo "services: PostgreSQL and Redis are up"
