#!/usr/bin/env bash
# Makes sure the Python gRPC toolchain of clients/python is present: the system interpreter
# (/usr/bin/python3, Debian's dist-packages; a pyenv python3 on PATH does not see them) with
# grpcio and protobuf, and protoc with the gRPC Python plugin. Idempotent: installs with
# apt-get only what is missing and only as root; otherwise fails naming the packages.
# Usage: bash tools/scripts/ensure-python-grpc.sh   (npm test calls it before the e2e tests)
set -euo pipefail

PYTHON=/usr/bin/python3
missing=()
if ! [ -x "$PYTHON" ] || ! "$PYTHON" -c 'import grpc' >/dev/null 2>&1; then missing+=(python3-grpcio); fi
if ! [ -x "$PYTHON" ] || ! "$PYTHON" -c 'import google.protobuf' >/dev/null 2>&1; then missing+=(python3-protobuf); fi
if ! command -v protoc >/dev/null 2>&1; then missing+=(protobuf-compiler); fi
if ! command -v grpc_python_plugin >/dev/null 2>&1; then missing+=(protobuf-compiler-grpc); fi
# protoc's well-known types (google/protobuf/any.proto, imported by google/rpc/status.proto) are
# in libprotobuf-dev, only a Recommends of protobuf-compiler (not installed with --no-install-recommends).
if ! [ -f /usr/include/google/protobuf/any.proto ]; then missing+=(libprotobuf-dev); fi

if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf '\033[31m[meridian] the Python gRPC toolchain is missing: %s\n' "${missing[*]}" >&2
  printf 'install it with: sudo apt-get install -y %s\033[0m\n' "${missing[*]}" >&2
  exit 1
fi

printf '\033[1m[meridian]\033[0m installing %s (apt-get)\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: refresh once, then install.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
"$PYTHON" -c 'import grpc, google.protobuf' >/dev/null
command -v protoc grpc_python_plugin >/dev/null
[ -f /usr/include/google/protobuf/any.proto ]
