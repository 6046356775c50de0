#!/usr/bin/env bash
# Installs Debian's chromium for the Web UI browser test (test/browser) when /usr/bin/chromium is missing;
# `npm test` runs it through bin/setup.js --with-browser.
# Idempotent and quick when it is already there. Needs root or sudo, and the Debian package mirrors.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-chromium: not root and no sudo; run as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
  sudo="sudo"
fi

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
