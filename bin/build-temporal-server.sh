#!/usr/bin/env bash
# Builds (once) the production Temporal server and temporal-sql-tool at a pinned version from the
# Go module proxy into .maestro/tools/temporal-server-<version>/bin. Later calls reuse the build.
# The Go module and build caches stay where Go keeps them by default (GOPATH, GOCACHE), so a second
# checkout on the same machine (CI) rebuilds from a warm cache in about a minute.
#
#   bin/build-temporal-server.sh          build if missing; print the server binary's path
#   TEMPORAL_SERVER_PATH=/x/temporal-server  use that binary instead (nothing is built; the
#                                         sql tool is looked for beside it, or TEMPORAL_SQL_TOOL_PATH)
set -euo pipefail
VERSION="${TEMPORAL_SERVER_VERSION:-1.32.2}"
# v1.32's go.mod asks for a newer Go than some hosts have; Go fetches the toolchain it names.
export GOTOOLCHAIN="${GOTOOLCHAIN_FOR_TEMPORAL:-go1.27.3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
home="${MAESTRO_HOME:-$root/.maestro}"
target="$home/tools/temporal-server-$VERSION"

if [ -n "${TEMPORAL_SERVER_PATH:-}" ]; then
  [ -x "$TEMPORAL_SERVER_PATH" ] || { echo "TEMPORAL_SERVER_PATH=$TEMPORAL_SERVER_PATH is not an executable file" >&2; exit 1; }
  echo "$TEMPORAL_SERVER_PATH"; exit 0
fi
if [ -x "$target/bin/temporal-server" ] && [ -x "$target/bin/temporal-sql-tool" ]; then
  echo "$target/bin/temporal-server"; exit 0
fi
command -v go >/dev/null || { echo "go not found: install Go (any 1.21+; it fetches $GOTOOLCHAIN itself) or set TEMPORAL_SERVER_PATH" >&2; exit 1; }

mkdir -p "$home/tools"
# One builder at a time; a second caller waits and then finds the build done.
exec 9>"$home/tools/.temporal-server.lock"
flock 9
if [ ! -x "$target/bin/temporal-server" ] || [ ! -x "$target/bin/temporal-sql-tool" ]; then
  staging="$target.partial-$$"
  rm -rf "$staging"; mkdir -p "$staging/bin"
  start=$(date +%s)
  echo "building Temporal server v$VERSION and temporal-sql-tool with $GOTOOLCHAIN (cold: ~25 min on 2 busy cores, 1.7 GB of modules; warm: ~1 min)" >&2
  GOBIN="$staging/bin" GOFLAGS=-trimpath go install \
    "go.temporal.io/server/cmd/server@v$VERSION" \
    "go.temporal.io/server/cmd/tools/sql@v$VERSION"
  mv "$staging/bin/server" "$staging/bin/temporal-server"
  mv "$staging/bin/sql" "$staging/bin/temporal-sql-tool"
  # The schema files temporal-sql-tool applies ship in the module source, not in the binary.
  moddir="$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "go.temporal.io/server@v$VERSION" 2>/dev/null || true)"
  [ -n "$moddir" ] || moddir="$(go env GOMODCACHE)/go.temporal.io/server@v$VERSION"
  cp -r "$moddir/schema" "$staging/schema"; chmod -R u+w "$staging/schema"
  rm -rf "$target"; mv "$staging" "$target"
  echo "built in $(( $(date +%s) - start )) s: $target" >&2
fi
echo "$target/bin/temporal-server"
