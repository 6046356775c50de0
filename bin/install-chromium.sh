#!/usr/bin/env bash
# Installs Debian's chromium for the Web UI browser test (test/browser) when /usr/bin/chromium is missing;
# `npm test` runs it through bin/setup.js --with-browser.
# Idempotent and quick when it is already there. Needs root or sudo, and the Debian package mirrors.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" /usr/bin/chromium chromium
