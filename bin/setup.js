#!/usr/bin/env node
'use strict';
// Installs (once) the pinned Temporal CLI and time-skipping test server into .maestro/tools.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { resolveTemporalBinary } = require('../dist/workers/temporal-binaries.js');

/**
 * Installs a Debian package a test needs (by its bin/install-*.sh) unless the binary is there or
 * an env var points at one; elsewhere only warns: the tests that need it say so when they run.
 */
function ensureTool({ binary, envVar, script, neededBy }) {
  const name = binary.split('/').pop();
  if (existsSync(binary) || process.env[envVar]) return;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.warn(`${name}: not found; ${neededBy} (set ${envVar}, or apt-get install ${name})`);
    return;
  }
  execFileSync('bash', [join(__dirname, script)], { stdio: 'inherit' });
}

// The Web UI browser test drives Debian's chromium; the metrics tests start Debian's prometheus
// on 127.0.0.1. Installed where apt can (CI, Debian hosts).
const TOOLS = {
  '--with-browser': { binary: '/usr/bin/chromium', envVar: 'CHROMIUM_PATH', script: 'install-chromium.sh', neededBy: 'the browser test needs it' },
  '--with-prometheus': { binary: '/usr/bin/prometheus', envVar: 'PROMETHEUS_PATH', script: 'install-prometheus.sh', neededBy: 'the metrics tests need it' },
};

try {
  for (const binary of ['cli', 'testServer']) {
    console.log(`${binary === 'cli' ? 'temporal CLI' : 'test server'}: ${resolveTemporalBinary(binary)}`);
  }
  for (const [flag, tool] of Object.entries(TOOLS)) if (process.argv.includes(flag)) ensureTool(tool);
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
