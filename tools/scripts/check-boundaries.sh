#!/usr/bin/env bash
# Proves the lint rules bite: writes files that break each rule into real projects, runs ESLint
# on them and fails unless every violation is reported. A boundary rule that silently allows
# everything would pass `nx run-many -t lint` too; this catches that.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

npx --loglevel=error nx show projects >/dev/null # refresh the project graph that the boundary rule reads
tmp_files=()
cleanup() { rm -f "${tmp_files[@]}"; }
trap cleanup EXIT

probe() { # file content expected-message...
  local file=$1 content=$2; shift 2
  printf '%s\n' "$content" > "$file"
  tmp_files+=("$file")
  local out
  if out=$(npx --loglevel=error eslint --no-warn-ignored "$file" 2>&1); then
    echo "check-boundaries: ESLint accepted $file, which must be rejected" >&2
    exit 1
  fi
  for expected in "$@"; do
    grep -qF -- "$expected" <<<"$out" || {
      echo "check-boundaries: $file: expected \"$expected\" in:" >&2
      echo "$out" >&2
      exit 1
    }
  done
  echo "check-boundaries: ok  $(basename "$file") rejected: $*"
}

probe libs/orders/domain/src/zz-boundary-probe.ts \
  "import { Injectable } from '@nestjs/common';
import { createPgPool } from '@meridian/shared-persistence';
export const probe = [Injectable, createPgPool];" \
  'A project tagged with "type:domain" is not allowed to import "@nestjs/common"' \
  'A project tagged with "type:domain" can only depend on libs tagged with'

probe libs/shared/config/src/zz-boundary-probe.ts \
  "import { kafkaBrokers } from '@meridian/shared-testing';
export const probe = kafkaBrokers;" \
  'Test helpers are for specs only'

probe libs/shared/errors/src/zz-boundary-probe.spec.ts \
  "it.only('focused', () => { expect(1).toBe(1); });" \
  'jest/no-focused-tests'

probe libs/shared/errors/src/zz-boundary-probe.ts \
  "export function parse(text: string): number { const v: any = JSON.parse(text); return v.x; }" \
  '@typescript-eslint/no-explicit-any'
