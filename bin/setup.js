#!/usr/bin/env node
'use strict';
// Installs (once) the pinned Temporal CLI and time-skipping test server into .maestro/tools.
const { resolveTemporalBinary } = require('../dist/workers/temporal-binaries.js');

try {
  for (const binary of ['cli', 'testServer']) {
    console.log(`${binary === 'cli' ? 'temporal CLI' : 'test server'}: ${resolveTemporalBinary(binary)}`);
  }
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
