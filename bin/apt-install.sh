#!/usr/bin/env bash
# Installs one Debian package when its binary is missing: what bin/install-chromium.sh and
# bin/install-prometheus.sh share.
#   bash bin/apt-install.sh BINARY PACKAGE [--no-recommends] [--no-services]
# --no-services: the package must not start its service here (policy-rc.d 101 while installing).
# Idempotent and quick when the binary is there. Needs root or sudo, and the Debian package mirrors.
set -euo pipefail

binary=$1
package=$2
shift 2
recommends=()
no_services=false
for flag in "$@"; do
  case "$flag" in
    --no-recommends) recommends=(--no-install-recommends) ;;
    --no-services) no_services=true ;;
    *) echo "apt-install: unknown flag $flag" >&2; exit 2 ;;
  esac
done

if [ -x "$binary" ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-$package: not root and no sudo; run as root: apt-get update && apt-get install -y $package" >&2
    exit 1
  fi
  sudo="sudo"
fi

$sudo apt-get update -qq
policy=/usr/sbin/policy-rc.d
if $no_services && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${recommends[@]}" "$package" >/dev/null
"$binary" --version | head -1
