#!/usr/bin/env bash
# Installs Debian's prometheus for the metrics tests (a real Prometheus scrapes the workers) when it
# is missing; `npm test` runs it through bin/setup.js --with-prometheus. Only the binary is used:
# the tests start it themselves on 127.0.0.1 with a temporary config, never as a service.
# Idempotent and quick when it is already there. Needs root or sudo, and the Debian package mirrors.
set -euo pipefail

if [ -x /usr/bin/prometheus ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-prometheus: not root and no sudo; run as root: apt-get update && apt-get install -y prometheus" >&2
    exit 1
  fi
  sudo="sudo"
fi

$sudo apt-get update -qq
# policy-rc.d 101: a package must not start its service here (no listener on 0.0.0.0:9090).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
/usr/bin/prometheus --version | head -1
