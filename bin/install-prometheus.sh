#!/usr/bin/env bash
# Installs Debian's prometheus for the metrics tests (a real Prometheus scrapes the workers) when it
# is missing; `npm test` runs it through bin/setup.js --with-prometheus. Only the binary is used:
# the tests start it themselves on 127.0.0.1 with a temporary config, never as a service, so the
# package must not start its own (no listener on 0.0.0.0:9090).
# Idempotent and quick when it is already there. Needs root or sudo, and the Debian package mirrors.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" /usr/bin/prometheus prometheus --no-recommends --no-services
