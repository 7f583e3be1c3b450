#!/usr/bin/env bash
# Builds .build/bin/meridian-kafka-dev-broker: librdkafka's mock cluster behind
# a small C launcher (src/launcher.c). Idempotent and cached:
#   - librdkafka sources come from the npm tarball of @confluentinc/kafka-javascript
#     (it vendors librdkafka 2.x; Debian's package is too old for the mock API),
#   - librdkafka.a is built once per pinned version,
#   - the launcher is relinked only when its source / flags / library change.
# Prints the binary path on stdout; progress goes to stderr (silent when cached).
# Usage: build.sh [--force]   (--force drops the launcher stamp and relinks)
set -euo pipefail

KAFKA_JS_VERSION="1.10.1"
KAFKA_JS_PACKAGE="@confluentinc/kafka-javascript"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$HERE/.build"
SRC_ROOT="$BUILD_DIR/kafka-javascript-$KAFKA_JS_VERSION"
RDK_DIR="$SRC_ROOT/deps/librdkafka"
RDK_LIB="$RDK_DIR/src/librdkafka.a"
# Patches applied to the librdkafka sources before building (see patches/README.md);
# a change to them rebuilds the library from a fresh extract.
PATCHES=("$HERE"/patches/*.patch)
PATCH_STAMP="$BUILD_DIR/.librdkafka-patches.sha256"
BIN="$BUILD_DIR/bin/meridian-kafka-dev-broker"
STAMP="$BUILD_DIR/bin/.launcher.stamp"
LAUNCHER_SRC="$HERE/src/launcher.c"
CFLAGS=(-O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11)
# --wrap=bind: lets the launcher pin broker ports (see __wrap_bind in launcher.c).
LDFLAGS=(-Wl,--wrap=bind -lz -lpthread -lm -ldl -lrt)

log() { printf 'kafka-dev-broker/build: %s\n' "$*" >&2; }
fail() { printf 'kafka-dev-broker/build: ERROR: %s\n' "$*" >&2; exit 1; }

[[ "${1:-}" == "--force" ]] && rm -f "$STAMP"

need_cmd() { # <cmd> <apt package>
  command -v "$1" >/dev/null 2>&1 || fail "'$1' not found. Install it: apt-get install -y $2"
}

check_toolchain() {
  need_cmd gcc gcc
  need_cmd make make
  need_cmd tar tar
  # librdkafka's configure treats zlib as optional ("try") and would silently
  # build without it, so probe the header ourselves.
  echo '#include <zlib.h>' | gcc -E -x c - >/dev/null 2>&1 \
    || fail "zlib headers (zlib.h) not found. Install them: apt-get install -y zlib1g-dev"
}

mkdir -p "$BUILD_DIR/bin"
# Serialise concurrent builds (e.g. parallel test workers calling ensureBuilt()).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BUILD_DIR/.lock"
  flock 9
fi

want_patches="$(cat "${PATCHES[@]}" | sha256sum | cut -d' ' -f1)"
if [[ -f "$RDK_LIB" && "$(cat "$PATCH_STAMP" 2>/dev/null)" != "$want_patches" ]]; then
  log "librdkafka patches changed: rebuilding from a fresh extract"
  rm -rf "$SRC_ROOT"
fi

if [[ ! -f "$RDK_LIB" ]]; then
  check_toolchain
  need_cmd patch patch
  if [[ ! -f "$RDK_DIR/configure" ]]; then
    need_cmd npm npm
    tarball="$BUILD_DIR/confluentinc-kafka-javascript-$KAFKA_JS_VERSION.tgz"
    if [[ ! -f "$tarball" ]]; then
      log "fetching $KAFKA_JS_PACKAGE@$KAFKA_JS_VERSION (npm pack, no install)"
      (cd "$BUILD_DIR" && npm pack --silent "$KAFKA_JS_PACKAGE@$KAFKA_JS_VERSION" >/dev/null) \
        || fail "npm pack $KAFKA_JS_PACKAGE@$KAFKA_JS_VERSION failed (registry reachable?)"
    fi
    # Extract to a temp dir and rename, so an interrupted run never leaves a
    # half-extracted tree that looks complete.
    tmp="$(mktemp -d "$BUILD_DIR/extract.XXXXXX")"
    tar -xzf "$tarball" -C "$tmp"
    for p in "${PATCHES[@]}"; do
      patch -d "$tmp/package/deps/librdkafka" -p1 --quiet --forward <"$p" \
        || fail "patch $(basename "$p") does not apply to librdkafka $KAFKA_JS_VERSION"
    done
    rm -rf "$SRC_ROOT"
    mv "$tmp/package" "$SRC_ROOT"
    rmdir "$tmp"
  fi
  log "building librdkafka.a (one-off, ~1 min; log: $BUILD_DIR/librdkafka-build.log)"
  (
    cd "$RDK_DIR"
    ./configure --disable-ssl --disable-gssapi --disable-curl --disable-zstd \
      --disable-lz4-ext --disable-sasl
    make -j"$(nproc 2>/dev/null || echo 2)" -C src librdkafka.a
  ) >"$BUILD_DIR/librdkafka-build.log" 2>&1 || {
    tail -n 30 "$BUILD_DIR/librdkafka-build.log" >&2
    fail "librdkafka build failed (full log: $BUILD_DIR/librdkafka-build.log)"
  }
  echo "$want_patches" >"$PATCH_STAMP"
fi

COMPILE=(gcc "${CFLAGS[@]}" -isystem "$RDK_DIR/src" -o "$BIN.tmp" "$LAUNCHER_SRC" "$RDK_LIB"
  "${LDFLAGS[@]}")
# Anything that changes the binary goes into the stamp.
want_stamp="$(
  {
    cat "$LAUNCHER_SRC"
    echo "${COMPILE[*]}"
    stat -c '%s %Y' "$RDK_LIB"
  } | sha256sum | cut -d' ' -f1
)"
if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]]; then
  echo "$BIN"
  exit 0
fi

check_toolchain
log "compiling launcher"
"${COMPILE[@]}" || fail "launcher compilation failed"
mv -f "$BIN.tmp" "$BIN"
echo "$want_stamp" >"$STAMP"
echo "$BIN"
