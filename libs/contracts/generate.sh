#!/usr/bin/env bash
# Regenerates libs/contracts/src/generated from the .proto files (after linting them).
#   bash libs/contracts/generate.sh            write into src/generated (commit the result)
#   bash libs/contracts/generate.sh --check    generate into a temp dir and fail if the
#                                              committed output differs (CI: proto-check)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
buf="$root/node_modules/.bin/buf"
cd "$here"

"$buf" lint

if [ "${1:-}" = "--check" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$buf" generate --template buf.gen.yaml -o "$tmp"
  if ! diff -ru "$here/src/generated" "$tmp/src/generated"; then
    echo "proto-check: src/generated is out of date with the .proto files (or was edited by hand)." >&2
    echo "proto-check: run 'npm run proto:generate' and commit the result." >&2
    exit 1
  fi
  echo "proto-check: generated code is up to date."
else
  "$buf" generate --template buf.gen.yaml
  echo "generated $(find src/generated -name '*.ts' | wc -l) files into libs/contracts/src/generated"
fi
