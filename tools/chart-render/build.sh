#!/usr/bin/env bash
# Builds the offline chart renderer (go/*.go) into tools/chart-render/.build/bin/chart-render with
# Debian's Go 1.19 and Sprig/yaml/gojsonschema sources (/usr/share/gocode), in GOPATH mode with
# no network. Rebuilds only when a Go source changed. Usage: bash tools/chart-render/build.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/.build"
BIN="$BUILD/bin/chart-render"
STAMP="$BUILD/bin/chart-render.sha256"

bash "$HERE/ensure-go.sh"

sum="$(cat "$HERE"/go/*.go "$HERE/build.sh" | sha256sum | cut -d' ' -f1)"
if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$sum" ]; then exit 0; fi

# Debian installs module-aware packages without their /vN suffix; a GOPATH overlay of symlinks
# gives the import paths Sprig uses (github.com/Masterminds/{sprig,semver}/v3).
OVERLAY="$BUILD/gopath"
mkdir -p "$OVERLAY/src/github.com/Masterminds/sprig" "$OVERLAY/src/github.com/Masterminds/semver" "$BUILD/bin"
ln -sfn /usr/share/gocode/src/github.com/Masterminds/sprig "$OVERLAY/src/github.com/Masterminds/sprig/v3"
ln -sfn /usr/share/gocode/src/github.com/Masterminds/semver "$OVERLAY/src/github.com/Masterminds/semver/v3"

tmp="$BIN.tmp.$$"
(
  cd "$HERE/go"
  GO111MODULE=off GOPATH="$OVERLAY:/usr/share/gocode" GOCACHE="$BUILD/go-cache" GOFLAGS= \
    GOPROXY=off CGO_ENABLED=0 go build -trimpath -o "$tmp" .
)
# Rename is atomic: parallel builders (jest workers) never see a half-written binary.
mv -f "$tmp" "$BIN"
echo "$sum" >"$STAMP"
