#!/usr/bin/env bash
# Generates the Python protobuf + gRPC stubs of the Meridian API from libs/contracts/proto (the
# same .proto files the TypeScript code is generated from) with protoc and grpc_python_plugin.
# Usage: clients/python/generate.sh [OUT_DIR]   (default: clients/python/generated, gitignored)
# Needs protobuf-compiler and protobuf-compiler-grpc (tools/scripts/ensure-python-grpc.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
proto="$(cd "$here/../../libs/contracts/proto" && pwd)"
out="${1:-$here/generated}"
plugin="$(command -v grpc_python_plugin || true)"
if ! command -v protoc >/dev/null || [[ -z "$plugin" ]]; then
  echo "generate.sh: protoc and grpc_python_plugin are required (apt-get install protobuf-compiler protobuf-compiler-grpc)" >&2
  exit 1
fi

mkdir -p "$out"
# meridian/* and google/rpc keep their package paths (google is a namespace package, so
# google.rpc sits beside the installed google.protobuf).
mapfile -t files < <(cd "$proto" && find meridian google -name '*.proto' | sort)
protoc -I "$proto" --python_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$plugin" "${files[@]}"
# grpc/health gets its own include root: the top-level name `grpc` belongs to grpcio, so the
# module is `health.v1.health_pb2` (the wire name stays grpc.health.v1.Health).
protoc -I "$proto/grpc" --python_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$plugin" health/v1/health.proto
