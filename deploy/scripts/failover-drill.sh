#!/usr/bin/env bash
# Failover drill (promote.yml, scheduled): docs/runbooks/failover.md against two releases in the
# staging cluster, $PRIMARY_NS (role primary) and $STANDBY_NS (role failover). Steps 2-6 of the
# runbook, then failback (step 7). Needs kubectl/helm context, grpc-health-probe, grpcurl and an
# admin API key in DRILL_ADMIN_KEY.
set -euo pipefail
: "${PRIMARY_NS:?}" "${STANDBY_NS:?}" "${DRILL_ADMIN_KEY:?}"
step() { printf '\n== %s\n' "$*"; }
gateway() { # namespace local-port
  kubectl -n "$1" port-forward svc/meridian-order-gateway "$2:50051" >/dev/null 2>&1 &
  echo $!
}
set_global() { # port state reason
  grpcurl -plaintext -H "x-api-key: $DRILL_ADMIN_KEY" \
    -d "{\"scope\":\"CONTROL_SCOPE_GLOBAL\",\"state\":\"$2\",\"reason\":\"$3\"}" \
    "127.0.0.1:$1" meridian.admin.v1.AdminService/SetTradingState
}

step "1. both sides healthy"
p=$(gateway "$PRIMARY_NS" 15051); s=$(gateway "$STANDBY_NS" 15052)
trap 'kill $p $s 2>/dev/null || true' EXIT
sleep 3
grpc-health-probe -addr=127.0.0.1:15051

step "2. freeze the primary (global HALTED)"
set_global 15051 TRADING_STATE_HALTED "failover drill $(date -u +%FT%TZ)"

step "3. promote the standby"
helm upgrade meridian "oci://us-docker.pkg.dev/meridian-artifacts/meridian/charts/meridian" \
  -n "$STANDBY_NS" --reuse-values --set global.regionRole=primary --atomic --wait --timeout 10m

step "4. verify the standby serves"
kill "$s"; s=$(gateway "$STANDBY_NS" 15052); sleep 3
grpc-health-probe -addr=127.0.0.1:15052 -service=meridian.orders.v1.OrderService
set_global 15052 TRADING_STATE_ACTIVE "failover drill: standby active"

step "7. fail back"
set_global 15052 TRADING_STATE_HALTED "failover drill: failback"
helm upgrade meridian "oci://us-docker.pkg.dev/meridian-artifacts/meridian/charts/meridian" \
  -n "$STANDBY_NS" --reuse-values --set global.regionRole=failover --atomic --wait --timeout 10m
set_global 15051 TRADING_STATE_ACTIVE "failover drill: failback complete"
grpc-health-probe -addr=127.0.0.1:15051 -service=meridian.orders.v1.OrderService
echo "drill passed"
