#!/usr/bin/env node
'use strict';
// Installs (once) the pinned Temporal CLI and time-skipping test server into .maestro/tools.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { resolveTemporalBinary } = require('../dist/workers/temporal-binaries.js');

// The Web UI browser test drives Debian's chromium; install it where apt can (CI, Debian hosts).
function ensureChromium() {
  if (existsSync('/usr/bin/chromium') || process.env.CHROMIUM_PATH) return;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.warn('chromium: not found; the browser test needs it (set CHROMIUM_PATH, or apt-get install chromium)');
    return;
  }
  execFileSync('bash', [join(__dirname, 'install-chromium.sh')], { stdio: 'inherit' });
}

// The metrics tests start Debian's prometheus on 127.0.0.1; install it where apt can.
function ensurePrometheus() {
  if (existsSync('/usr/bin/prometheus') || process.env.PROMETHEUS_PATH) return;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.warn('prometheus: not found; the metrics tests need it (set PROMETHEUS_PATH, or apt-get install prometheus)');
    return;
  }
  execFileSync('bash', [join(__dirname, 'install-prometheus.sh')], { stdio: 'inherit' });
}

try {
  for (const binary of ['cli', 'testServer']) {
    console.log(`${binary === 'cli' ? 'temporal CLI' : 'test server'}: ${resolveTemporalBinary(binary)}`);
  }
  if (process.argv.includes('--with-browser')) ensureChromium();
  if (process.argv.includes('--with-prometheus')) ensurePrometheus();
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
