#!/usr/bin/env bash
# The benchmark on this machine: two release nodes + Postgres + Redis + the generator,
# a fresh database and Redis prefix, the abuse limits raised so one address measures the
# server (not its guards). Runs the presets given as arguments (default: the BENCHMARKS.md
# set) and writes JSON reports to loadtest/results/<date>/bench-<preset>.json.
#
#   loadtest/bench.sh [relay6k persisted20k idle10k burst signaling login]
#   SWITCHBOARD_BIN=/path/to/other/switchboard loadtest/bench.sh relay6k   # A/B another build
#   BENCH_DB_OPTIONS='?options=-c%20log_lock_waits%3Don' loadtest/bench.sh burst  # Postgres settings
#   BENCH_METRICS=1 loadtest/bench.sh relay6k   # print the nodes' batch metrics at the end
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
server_bin=${SWITCHBOARD_BIN:-$target/release/switchboard}
loadtest_bin=$target/release/loadtest
[ -x "$server_bin" ] && [ -x "$loadtest_bin" ] || cargo build --release -p switchboard -p switchboard-loadtest

out=loadtest/results/$(date -u +%F)
mkdir -p "$out"
# The abuse limits raised: one address drives everything.
export SWITCHBOARD__LOG__LEVEL=warn
export SWITCHBOARD__AUTH__LOGIN_ATTEMPTS_PER_ADDRESS=1000000 SWITCHBOARD__AUTH__LOGIN_ATTEMPTS_PER_ACCOUNT=1000000
export SWITCHBOARD__CHAT__VISITOR_RATE_LIMIT=1000000
run_name=bench db_options=${BENCH_DB_OPTIONS:-}
# shellcheck source=loadtest/two-nodes.sh
source loadtest/two-nodes.sh
"$loadtest_bin" setup "${urls[@]:0:2}" --switchboard-bin "$server_bin" --managers 50 --out "$work/fixture.json" >/dev/null

run() {
  local name=$1; shift
  echo "== $name: loadtest run $*"
  "$loadtest_bin" run --fixture "$work/fixture.json" "${urls[@]}" "${server_pids[@]}" "$@" --json >"$out/bench-$name.json" || true
  python3 - "$out/bench-$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, l in d.get("latency_ms", {}).items():
    print(f"  {name}: n={l['count']} p50={l['p50']} p90={l['p90']} p99={l['p99']} p99.9={l['p999']} max={l['max']} ms")
print("  counters:", json.dumps(d.get("counters", {})))
print("  figures:", json.dumps(d.get("figures", {})))
for s in d.get("servers", []):
    print(f"  server {s['pid']}: rss {s['rss_start_mb']} -> {s['rss_end_mb']} MB (peak {s['rss_peak_mb']}), cpu {s['cpu_percent']}%")
print("  failures:", d.get("failures"))
PY
}
dump_metrics() {
  [ -n "${BENCH_METRICS:-}" ] || return 0
  for u in "${urls[@]}"; do [ "$u" = --url ] || curl -s "$u/metrics" | grep -E "^(message_batch|http_request_duration_seconds_(sum|count))" | head -40; done
}
trap 'dump_metrics; cleanup' EXIT
for p in "${@:-relay6k persisted20k idle10k burst signaling login}"; do
  for preset in $p; do
    case $preset in
      relay6k) run relay6k --preset relay --visitors 1000 --managers 50 --rate 6000 --duration 20 --connect-rate 200 ;;
      relay2k) run relay2k --preset relay --visitors 1000 --managers 50 --rate 2000 --duration 20 --connect-rate 200 ;;
      relay4k) run relay4k --preset relay --visitors 1000 --managers 50 --rate 4000 --duration 20 --connect-rate 200 ;;
      persisted20k) run persisted20k --preset persisted --visitors 1000 --managers 50 --rate 20000 --duration 20 --connect-rate 200 ;;
      persisted10k) run persisted10k --preset persisted --visitors 1000 --managers 50 --rate 10000 --duration 20 --connect-rate 200 ;;
      idle10k) run idle10k --preset idle --visitors 10000 --connect-rate 500 --duration 10 ;;
      burst) run burst --preset burst --visitors 2000 --managers 50 --burst-window 1 --duration 20 ;;
      signaling) run signaling --preset signaling --visitors 1000 --managers 50 --rate 5000 --calls 50 --duration 20 --connect-rate 200 ;;
      login) run login --preset login --visitors 1000 --managers 50 --rate 1000 --login-rate 1000 --duration 20 --connect-rate 200 ;;
      *) echo "unknown preset $preset" >&2; exit 2 ;;
    esac
  done
done
