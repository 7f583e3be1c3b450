#!/usr/bin/env bash
# Makes sure the toolchain of the offline chart renderer is present: Debian's Go (golang-go, 1.19+)
# and the Go sources of Sprig (Helm's template functions), sigs.k8s.io/yaml (Helm's YAML) and
# gojsonschema (Helm's values.schema.json validator). Idempotent: installs with apt-get only what
# is missing and only as root; otherwise fails naming the packages.
# Usage: bash tools/chart-render/ensure-go.sh   (build.sh calls it)
set -euo pipefail

GOCODE=/usr/share/gocode/src
missing=()
if ! command -v go >/dev/null 2>&1; then missing+=(golang-go); fi
if ! [ -d "$GOCODE/github.com/Masterminds/sprig" ]; then missing+=(golang-github-masterminds-sprig-dev); fi
if ! [ -d "$GOCODE/sigs.k8s.io/yaml" ]; then missing+=(golang-k8s-sigs-yaml-dev); fi
if ! [ -d "$GOCODE/github.com/xeipuuv/gojsonschema" ]; then missing+=(golang-github-xeipuuv-gojsonschema-dev); fi

if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf '\033[31m[meridian] the chart renderer toolchain is missing: %s\n' "${missing[*]}" >&2
  printf 'install it with: sudo apt-get install -y %s\033[0m\n' "${missing[*]}" >&2
  exit 1
fi

printf '\033[1m[meridian]\033[0m installing %s (apt-get)\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: refresh once, then install.
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
command -v go >/dev/null
for dir in github.com/Masterminds/sprig sigs.k8s.io/yaml github.com/xeipuuv/gojsonschema; do
  [ -d "$GOCODE/$dir" ] || { echo "[meridian] $GOCODE/$dir still missing after apt-get" >&2; exit 1; }
done
