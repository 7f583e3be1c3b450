#!/usr/bin/env bash
# Makes sure Prometheus and promtool are present for the SLO checks of tools/slo: Debian's
# `prometheus` package (2.42 on bookworm, which ships both binaries). promtool runs
# `check rules` and the rule unit tests; the prometheus server scrapes the services in the SLO
# end-to-end test. Idempotent: installs with apt-get only when missing and only as root;
# otherwise fails naming the package.
# Usage: bash tools/scripts/ensure-prometheus.sh   (the tools/slo specs call it before running)
set -euo pipefail

missing=()
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  missing+=(prometheus)
fi

if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf '\033[31m[meridian] Prometheus/promtool are missing (needed by tools/slo): %s\n' "${missing[*]}" >&2
  printf 'install them with: sudo apt-get install -y %s\033[0m\n' "${missing[*]}" >&2
  exit 1
fi

printf '\033[1m[meridian]\033[0m installing %s (apt-get)\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: refresh once, then install.
# --no-install-recommends keeps out the exporters and the web console packages; the postinst
# tries to start a system service, which fails harmlessly where there is no init system.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  printf '\033[31m[meridian] apt-get installed %s but prometheus/promtool are still not on PATH\033[0m\n' \
    "${missing[*]}" >&2
  exit 1
fi
# Debian's package starts a system-wide Prometheus on :9090 where an init system runs; the
# checks start their own on free ports and never need it.
