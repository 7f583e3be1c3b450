#!/usr/bin/env bash
# Meridian developer entry point. `npm start` / `npm test` / `npm stop` call this.
#
#   up    bootstrap Node 24 + dependencies, check PostgreSQL and Redis, start the Kafka dev broker
#         (background), run the infrastructure smoke, then the trading demo (executor, order
#         gateway, order-store as processes; a reference agent trades over gRPC). `up --serve`
#         keeps the services running after the demo until Ctrl-C.
#   test  bootstrap, then format check, lint (with module boundaries), typecheck, contract
#         drift check and every test (unit + integration against the real PG/Redis/dev broker)
#   down  stop the background Kafka dev broker
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export MERIDIAN_ROOT="$ROOT"
# shellcheck source=bootstrap-node.sh
source "$ROOT/tools/scripts/bootstrap-node.sh"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}" TZ=UTC
export PATH="$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1m[meridian]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[meridian] %s\033[0m\n' "$*" >&2; exit 1; }

ensure_dependencies() {
  # Install when package-lock.json changed since the last install (hash kept in node_modules).
  # `npm install` rather than `npm ci`: npm 11 writes lockfiles without other platforms'
  # optional binaries (@swc/core-darwin-*, ...; npm/cli#4828) and `npm ci` then refuses them.
  # In CI the lockfile must not change, which is what `npm ci` would have enforced.
  local stamp=node_modules/.meridian-lock.sha256 want
  want="$(sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing dependencies (npm install from package-lock.json)"
    npm install --loglevel=error --no-fund --no-audit
    if [ "${CI:-}" = true ] && ! git diff --quiet -- package-lock.json 2>/dev/null; then
      die "package-lock.json is out of date with package.json: run npm install and commit it"
    fi
    sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1 > "$stamp"
  fi
}

tcp_up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_service() { # name host port start-command
  local name=$1 host=$2 port=$3 start=$4
  tcp_up "$host" "$port" && return 0
  if [ "${MERIDIAN_START_SERVICES:-1}" = 1 ] && command -v "${start%% *}" >/dev/null 2>&1; then
    log "$name is not answering on $host:$port; starting it: $start"
    bash -c "$start" >&2 || true
    for _ in $(seq 1 30); do tcp_up "$host" "$port" && return 0; sleep 0.5; done
  fi
  die "$name is not reachable on $host:$port. Start it with: $start"
}

ensure_services() {
  ensure_service PostgreSQL "${PGHOST:-127.0.0.1}" "${PGPORT:-5432}" \
    'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
  ensure_service Redis 127.0.0.1 6379 \
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis'
}

build_broker() { bash "$ROOT/tools/kafka-dev-broker/build.sh"; }

cmd_test() {
  ensure_dependencies
  ensure_services
  build_broker
  # The end-to-end test drives the platform with a Python agent (grpcio + protoc stubs).
  bash "$ROOT/tools/scripts/ensure-python-grpc.sh"
  # Chart checks render with a Go text/template + Sprig tool (no helm here): Go from Debian.
  bash "$ROOT/tools/chart-render/ensure-go.sh"
  bash "$ROOT/tools/chart-render/build.sh"
  # SLO rules are checked with promtool and evaluated by a real Prometheus (Debian).
  bash "$ROOT/tools/scripts/ensure-prometheus.sh"
  log "format check"
  prettier --check . --log-level warn
  log "lint (module boundaries), typecheck, contract drift"
  nx run-many -t lint typecheck proto-check docs-check --parallel=2 --output-style=static
  bash tools/scripts/check-boundaries.sh
  log "tests (unit + integration: PostgreSQL, Redis, Kafka dev broker)"
  # NestJS 12 ships as ESM only; jest loads ESM packages only with vm modules enabled.
  NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}" \
    jest --ci --config jest.config.cjs "$@"
}

cmd_up() {
  ensure_dependencies
  ensure_services
  build_broker
  tsx tools/scripts/platform-smoke.ts
  tsx tools/scripts/platform-demo.ts "$@"
}

cmd_down() {
  tsx tools/kafka-dev-broker/src/cli.ts stop
}

case "${1:-}" in
  test) shift; cmd_test "$@" ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  *) die "usage: meridian.sh up|test|down" ;;
esac
