#!/usr/bin/env bash
# What the cluster suite (`npm run test:cluster`, test/cluster) needs beyond `npm ci`: iproute2 for
# network namespaces, Debian's PostgreSQL 15 (the production route's database; the suite starts a
# throwaway cluster of its own with initdb, never the system's), openssl for `maestro certs`, and
# the production Temporal server built from the Go module proxy (bin/build-temporal-server.sh).
# Idempotent and quick when everything is there. Needs root (namespaces need it anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v openssl >/dev/null || missing+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "cluster-setup: missing ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  # If apt starts the package's own cluster, it is left alone: the suite runs its own on a free port.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

start=$(date +%s)
server="$(bash bin/build-temporal-server.sh)"
echo "temporal server: $server ($(( $(date +%s) - start )) s)"
